export { startAirtableFake } from './airtable-fake-server.js';
export type { AirtableFake, AirtableFakeOptions, AirtableFakeRequest, AirtableFakeFault } from './airtable-fake-server.js';
export { airtableId } from './airtable-fake-store.js';
export type {
  AirtableFakeApiRecord, AirtableFakeBaseSpec, AirtableFakeTableSpec, AirtableFakeFieldSpec, AirtableFakeFieldType,
} from './airtable-fake-store.js';
