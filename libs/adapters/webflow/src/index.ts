export { WebflowAdapter, createWebflowAdapter } from './webflow-adapter.js';
export type { WebflowSideOptions } from './webflow-options.js';
export {
  WEBFLOW_DEFAULT_THROTTLE, WEBFLOW_MAX_BATCH, WEBFLOW_RATE_LIMIT_PENALTY_MS, WEBFLOW_DEFAULT_API_URL, WEBFLOW_DEFAULT_TIMEOUT_MS,
} from './webflow-options.js';
export type { WebflowCursorState } from './webflow-cursor.js';
export { decodeCursor as decodeWebflowCursor } from './webflow-cursor.js';
export type { WebflowApiItem, NormalizedImage } from './webflow-normalize.js';
export type { WebflowField, WebflowCollectionSchema } from './webflow-collection.js';
export { slugify, SLUG_PATTERN } from './webflow-slug.js';
