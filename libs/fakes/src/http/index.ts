export type {
  FakeArrival, FakeArrivalInfo, FakeArrivalVerdict, FakeExchange, FakeFault, FakeHttpRequest, FakeHttpRequestWith,
  FakeHttpServer, FakeHttpServerOptions, FakeLatency,
} from './fake-http-server.js';
export { FakeRateWindows, startFakeHttpServer, tokenScope } from './fake-http-server.js';
