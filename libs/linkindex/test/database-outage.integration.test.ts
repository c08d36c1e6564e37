/**
 * PostgreSQL going away under a running link index, through a TCP proxy the test controls: an
 * operation rides out an outage shorter than `outageToleranceMs` (it waits and then succeeds), throws
 * DatabaseUnavailableError (a StoreUnavailableError: it ends a run without counting against a remote)
 * after a longer one, and never replays an operation that must not run twice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Link, TablePair } from '@syncframe/engine';
import { isStoreUnavailableError } from '@syncframe/engine';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { DatabaseUnavailableError, openLinkIndex } from '@syncframe/linkindex';
import { TcpProxy } from '@syncframe/test-kit';
import { dropSchema, randomSchema } from '@syncframe/test-kit/pg';
import { postgresUrl } from './postgres-url.js';

const url = new URL(await postgresUrl());
const pair: TablePair = { source: { adapter: 'airtable', table: 'A' }, dest: { adapter: 'webflow', table: 'B' } };
const link = (id: string): Link => ({ sourceId: id, destId: `d-${id}`, sourceHash: 'h', destHash: 'h', deletedAt: null, syncedAt: new Date(0).toISOString() });

let proxy: TcpProxy;
let schema: string;
const opened: LinkIndexStore[] = [];

async function openThroughProxy(outageToleranceMs: number): Promise<LinkIndexStore> {
  const viaProxy = new URL(url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const { linkIndex } = await openLinkIndex({ driver: 'postgres', conn: viaProxy.toString(), schema }, { outageToleranceMs });
  opened.push(linkIndex);
  return linkIndex;
}

/** The proxy refuses connections for `ms`, then lets them through again. */
function outageOf(ms: number): Promise<void> {
  return proxy.refuse().then(() => new Promise<void>((resolve) => setTimeout(() => void proxy.restore().then(resolve), ms)));
}

beforeAll(async () => {
  proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
  schema = randomSchema('outage');
});

afterEach(async () => {
  await proxy.restore();
});

afterAll(async () => {
  for (const store of opened) await store.close().catch(() => undefined);
  await proxy.close();
  await dropSchema(url.toString(), schema);
});

describe('link index: PostgreSQL unreachable mid-run', () => {
  it('rides out an outage shorter than its tolerance: the write waits, then lands', async () => {
    const store = await openThroughProxy(10_000);
    await store.upsertLinks(pair, [link('a')]);
    const outage = outageOf(1500);
    const started = Date.now();
    await store.upsertLinks(pair, [link('b')]);
    await store.saveCursor('job', pair.source, { value: 'c-1' });
    await outage;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await store.findLinks(pair, 'source', ['a', 'b'])).map((l) => l.sourceId).sort()).toEqual(['a', 'b']);
    expect(await store.loadCursor('job', pair.source)).toEqual({ value: 'c-1' });
  });

  it('throws DatabaseUnavailableError, a StoreUnavailableError, once the outage outlasts its tolerance', async () => {
    const store = await openThroughProxy(600);
    await store.upsertLinks(pair, [link('c')]);
    await proxy.refuse();
    const err = await store.findLinks(pair, 'source', ['c']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(isStoreUnavailableError(err)).toBe(true);
    await proxy.restore();
    expect(await store.findLinks(pair, 'source', ['c'])).toHaveLength(1);
  });

  it('never replays what must not run twice (a run record, a fail count): it throws at once', async () => {
    const store = await openThroughProxy(10_000);
    await store.getJobState('job');
    await proxy.refuse();
    const started = Date.now();
    const err = await store.incrementFailCount('job', pair.source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    await proxy.restore();
    expect(await store.getFailCount('job', pair.source)).toBe(0);
  });

  it('with no tolerance (the default) throws at once', async () => {
    const store = await openThroughProxy(0);
    await store.getJobState('job');
    proxy.cut();
    await proxy.refuse();
    const started = Date.now();
    await expect(store.loadCursor('job', pair.dest)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
