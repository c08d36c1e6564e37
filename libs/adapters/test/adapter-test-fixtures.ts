/**
 * Setup shared by the Airtable and Webflow adapter tests (and the end-to-end fixtures): schemas
 * written compactly, a fake plus adapter options pointing at it, the fake of the running test
 * closed after it, the source-adapter contract harness over a fake, and nock replays.
 */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ConfigError, START_CURSOR } from '@syncframe/engine';
import type { SourceAdapter, WriteOp, WriteResult } from '@syncframe/engine';
import type {
  AirtableFakeFieldSpec, AirtableFakeOptions, WebflowFakeCollectionSpec, WebflowFakeFieldSpec, WebflowFakeOptions,
} from '@syncframe/fakes';
import { callOptions, caught, expectNoSecret, pullAll } from '@syncframe/test-kit';
import type { SourceAdapterHarness } from '@syncframe/test-kit/contracts';

// ---- schemas ------------------------------------------------------------------------------------

/** A field by its type alone, or by its type and the rest of its spec. */
type FieldSpec<S extends { type: string }> = S['type'] | Omit<S, 'name' | 'slug'>;

/** Airtable field specs from `{ Name: type | spec }`, in the object's order. */
export function airtableFields(fields: Record<string, FieldSpec<AirtableFakeFieldSpec>>): AirtableFakeFieldSpec[] {
  return Object.entries(fields).map(([name, spec]) => (typeof spec === 'string' ? { name, type: spec } : { name, ...spec }));
}

/** One Airtable base: `{ TableName: { FieldName: type | spec } }`, tables and fields in order. */
export function airtableBase(
  baseId: string, tables: Record<string, Record<string, FieldSpec<AirtableFakeFieldSpec>>>,
): AirtableFakeOptions['bases'] {
  return { [baseId]: { tables: Object.entries(tables).map(([name, fields]) => ({ name, fields: airtableFields(fields) })) } };
}

/** Webflow field specs from `{ slug: type | spec }`, in the object's order. */
export function webflowFields(fields: Record<string, FieldSpec<WebflowFakeFieldSpec>>): WebflowFakeFieldSpec[] {
  return Object.entries(fields).map(([slug, spec]) => (typeof spec === 'string' ? { slug, type: spec } : { slug, ...spec }));
}

/** One Webflow site: each collection's spec with its fields given as for `webflowFields`. */
export function webflowSite(
  siteId: string, collections: readonly (Omit<WebflowFakeCollectionSpec, 'fields'> & { fields: Record<string, FieldSpec<WebflowFakeFieldSpec>> })[],
): WebflowFakeOptions['sites'] {
  return { [siteId]: { collections: collections.map((c) => ({ ...c, fields: webflowFields(c.fields) })) } };
}

// ---- a fake and the adapter over it -------------------------------------------------------------

interface Closable {
  close(): Promise<void>;
}

/** A started fake and adapter options pointing at it. */
export interface FakeSide<F, O> {
  fake: F;
  options: O;
}

/** Side options every adapter unit test shares: the fake's URL, job `job-1`, a 2 s timeout. */
export function unitTestSide(apiUrl: string, sideName: string): { api_url: string; jobId: string; sideName: string; timeoutMs: number } {
  return { api_url: apiUrl, jobId: 'job-1', sideName, timeoutMs: 2_000 };
}

/** Starts a fake, then builds the adapter options pointing at it. */
export async function startFakeSide<F, FO, O>(
  start: (fakeOptions: FO) => Promise<F>, fakeOptions: FO, sideOptions: (fake: F) => O,
): Promise<FakeSide<F, O>> {
  const fake = await start(fakeOptions);
  return { fake, options: sideOptions(fake) };
}

/**
 * A `setup` for tests with one fake at a time: it starts a fake (and an adapter over it), hands it to
 * `track` as the running test's fake, and that fake is closed (and `track(undefined)`) after each test.
 */
export function setupPerTest<S extends FakeSide<Closable, unknown>, A, Args extends unknown[]>(
  start: (...args: Args) => Promise<S>,
  create: (options: S['options']) => A,
  track: (fake: S['fake'] | undefined) => void,
): (...args: Args) => Promise<S & { adapter: A }> {
  let current: S['fake'] | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
    track(undefined);
  });
  return async (...args) => {
    const s = await start(...args);
    current = s.fake;
    track(s.fake);
    return { ...s, adapter: create(s.options) };
  };
}

/**
 * The run signal aborts as soon as a write request (any method but GET) is sent: `first` is written
 * with that signal (its request is already sent when the abort comes), then `later` with the same
 * signal. `setup` starts the adapter over the given fetch.
 */
export async function writeAcrossRunAbort(
  setup: (fetch: typeof globalThis.fetch) => Promise<{ adapter: Pick<SourceAdapter, 'write'> }>,
  first: WriteOp[], later: WriteOp[],
): Promise<{ results: WriteResult[]; laterError: Error }> {
  const run = new AbortController();
  const abortOnceSent: typeof fetch = (input, init) => {
    const response = fetch(input, init);
    if ((init?.method ?? 'GET') !== 'GET') run.abort(new Error('SIGTERM: grace period over'));
    return response;
  };
  const { adapter } = await setup(abortOnceSent);
  const options = { ...callOptions(), signal: run.signal };
  const results = await adapter.write(first, options);
  return { results, laterError: await caught(adapter.write(later, options)) };
}

/**
 * The test that a password in api_url appears in no error: a pull through an adapter whose api_url
 * carries `proxyuser:ProxyPassw0rd@` fails with a ConfigError that does not hold the password.
 */
export function itKeepsApiUrlPasswordOutOfErrors<O extends { api_url?: string }>(
  setup: () => Promise<{ options: O }>, create: (options: O) => SourceAdapter,
): void {
  it('a password in api_url appears in no error', async () => {
    const { options } = await setup();
    const api_url = options.api_url!.replace('http://', 'http://proxyuser:ProxyPassw0rd@');
    const err = await caught(Promise.resolve().then(() => pullAll(create({ ...options, api_url }), START_CURSOR)));
    expectNoSecret(err, 'ProxyPassw0rd');
    expect(err).toBeInstanceOf(ConfigError);
  });
}

// ---- the source-adapter contract over a fake ----------------------------------------------------

interface ContractFake extends Closable {
  readonly requests: readonly unknown[];
  edit(table: string, id: string, fields: Record<string, unknown>): unknown;
}

export interface FakeContractSpec<F> {
  /** The table (collection) the adapter reads, where records are seeded and edited. */
  readonly table: string;
  readonly keyField: string;
  readonly textField: string;
  fields(key: string, text: string): Record<string, unknown>;
  /** Inserts a record into the fake as a person would: its id and time. */
  insert(fake: F, fields: Record<string, unknown>): { id: string; updatedAt: string };
  readonly missingId: string;
}

/** A `describeSourceAdapterContract` setup over a fresh fake each time, pages of 100. */
export function fakeContractHarness<F extends ContractFake, O>(
  start: () => Promise<FakeSide<F, O>>, create: (options: O) => SourceAdapter, spec: FakeContractSpec<F>,
): () => Promise<SourceAdapterHarness> {
  return async () => {
    const { fake, options } = await start();
    return {
      adapter: create(options),
      keyField: spec.keyField,
      textField: spec.textField,
      fields: spec.fields,
      seed: async (fields) => ({ ...spec.insert(fake, fields), fields, deleted: false }),
      edit: async (id, fields) => {
        fake.edit(spec.table, id, fields);
      },
      missingId: spec.missingId,
      pageSize: 100,
      requestCount: () => fake.requests.length,
      close: () => fake.close(),
    };
  };
}

// ---- replays ------------------------------------------------------------------------------------

/** No real network in the file's tests; nock's interceptors are cleared after each test. */
export function replayWithNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => nock.enableNetConnect());
}

/** An interceptor scope for `api` that only matches requests carrying `Bearer <token>`. */
export function bearerNock(api: string, token: string): nock.Scope {
  return nock(api, { reqheaders: { authorization: `Bearer ${token}` } });
}
