export { AirtableAdapter, createAirtableAdapter, DELETES_NOT_CONFIGURED } from './airtable-adapter.js';
export type { AirtableSideOptions } from './airtable-options.js';
export {
  AIRTABLE_DEFAULT_THROTTLE, AIRTABLE_MAX_BATCH, AIRTABLE_RATE_LIMIT_PENALTY_MS, AIRTABLE_DEFAULT_API_URL, AIRTABLE_DEFAULT_TIMEOUT_MS,
} from './airtable-options.js';
export type { AirtableCursorState } from './airtable-cursor.js';
export { decodeCursor as decodeAirtableCursor } from './airtable-cursor.js';
export type { NormalizedAttachment, AirtableApiRecord } from './airtable-normalize.js';
export { quoteString as airtableQuote, fieldRef as airtableFieldRef } from './airtable-formula.js';
