/**
 * @syncframe/adapter-kit/testing: what the adapters' fakes and tests share. Free of any test
 * runner, so a fake can run anywhere.
 */
export type {
  FakeArrival, FakeArrivalInfo, FakeArrivalVerdict, FakeExchange, FakeFault, FakeHttpRequest, FakeHttpRequestWith,
  FakeHttpServer, FakeHttpServerOptions, FakeLatency,
} from './fake-http-server.js';
export { FakeRateWindows, startFakeHttpServer, tokenScope } from './fake-http-server.js';
export type { LoggedLine, ManualClock, RawApiResponse, SlowRequest } from './test-helpers.js';
export { callOptions, caught, expectNoSecret, freeThrottle, manualClock, memoryLogger, pullAll, rawApi, slowRequest } from './test-helpers.js';
