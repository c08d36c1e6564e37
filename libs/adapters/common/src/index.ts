/**
 * @syncframe/adapter-kit: what every remote adapter (Airtable, Webflow) shares. Remote specifics
 * (error bodies, settle caps, paging) stay in the adapters.
 */
export type { AdapterCreateOptions, AdapterHost, AdapterPlugin, AdapterPluginFactory } from './adapter-plugin.js';
export { adapterPluginProblem, defineAdapter } from './adapter-plugin.js';
export type { EditTimesMissing } from './adapter-plugin.js';
export { apiUrlOption, hardDeleteOption, nonEmptyOption, timeoutSecOption, withWiring } from './option-schemas.js';
export type { AdapterWiringOptions } from './adapter-wiring.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, describeSide } from './adapter-wiring.js';
export type {
  HttpClientConfig, HttpMethod, HttpRequest, HttpResponse, RemoteErrorSummary, RemoteHttpRules,
} from './http-client.js';
export { HttpClient, isUnreachableHostError, retryAfterMs } from './http-client.js';
export type { OverlapCursorState } from './overlap-cursor.js';
export {
  OverlapCursorTracker, UNKNOWN_SERVER_TIME_SKEW_MS, contentKey, decodeOverlapCursor, encodeOverlapCursor, settleCapBehind,
} from './overlap-cursor.js';
export { writeBatchKind } from './write-batch.js';
