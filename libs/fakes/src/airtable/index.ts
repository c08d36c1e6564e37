export { startAirtableFake } from './airtable-fake-server.js';
export type { AirtableFake, AirtableFakeOptions, AirtableFakeRequest, AirtableFakeFault } from './airtable-fake-server.js';
export { airtableId } from './airtable-fake-store.js';
export type {
  AirtableFakeApiRecord, AirtableFakeBaseSpec, AirtableFakeTableSpec, AirtableFakeFieldSpec, AirtableFakeFieldType,
} from './airtable-fake-store.js';
/** The fake's formula evaluator (what `filterByFormula` means on the fake), for tests that check the adapter's formulas against it. */
export { evaluate as evaluateAirtableFormula, parseFormula as parseAirtableFormula } from './airtable-formula-eval.js';
export type { FormulaValue as AirtableFormulaValue } from './airtable-formula-eval.js';
