export { startWebflowFake } from './webflow-fake-server.js';
export type { WebflowFake, WebflowFakeOptions, WebflowFakeRequest, WebflowFakeFault } from './webflow-fake-server.js';
export { webflowId } from './webflow-fake-store.js';
export type {
  WebflowFakeApiItem, WebflowFakeSiteSpec, WebflowFakeCollectionSpec, WebflowFakeFieldSpec, WebflowFakeFieldType,
} from './webflow-fake-store.js';
