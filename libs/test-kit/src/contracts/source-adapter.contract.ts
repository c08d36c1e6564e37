/**
 * The SourceAdapter contract suite: the same assertions run against every adapter (the engine's
 * InMemoryAdapter, and the Airtable and Webflow adapters against their local fakes).
 *
 * `setup` is called before each test and gives a fresh, empty remote table, so tests are
 * independent. The harness says how to make valid fields for the remote (field names differ per
 * remote) and how the remote's own users create and edit records behind the adapter's back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { START_CURSOR } from '@syncframe/engine';
import { countingThrottle } from '../engine/counting-throttle.js';
import type { AdapterCallOptions, ChangePage, Cursor, Fields, SourceAdapter, SyncRecord } from '@syncframe/engine';

/** What the suite runs against: one adapter over one fresh remote table. */
export interface SourceAdapterHarness {
  readonly adapter: SourceAdapter;
  /** A writable text field whose value identifies a record (findByField, match). */
  readonly keyField: string;
  /** Another writable text field, changed by updates. */
  readonly textField: string;
  /** Valid fields of a new record with `keyField` = `key` and `textField` = `text` (plus what the remote requires). */
  fields(key: string, text: string): Fields;
  /** A record created by the remote's own users (not through the adapter), as the adapter would pull it. */
  seed(fields: Fields): Promise<SyncRecord>;
  /** A person edits a record on the remote (fields merge). */
  edit(id: string, fields: Fields): Promise<void>;
  /** An id of the remote's shape that no record has. */
  readonly missingId: string;
  /** Records per pull page (the suite seeds two pages and a bit). */
  readonly pageSize: number;
  /** Requests the remote has received; when given, the suite checks one throttle acquire per request. */
  requestCount?(): number;
  close(): Promise<void>;
}

export { countingThrottle };

export async function collectPages(adapter: SourceAdapter, cursor: Cursor, options: AdapterCallOptions): Promise<ChangePage[]> {
  const pages: ChangePage[] = [];
  for await (const page of adapter.pull(cursor, options)) pages.push(page);
  return pages;
}

/** The newest version of each record pulled, by id. */
function latest(pages: readonly ChangePage[]): Map<string, SyncRecord> {
  const out = new Map<string, SyncRecord>();
  for (const page of pages) for (const r of page.records) out.set(r.id, r);
  return out;
}

function lastCursor(pages: readonly ChangePage[], fallback: Cursor): Cursor {
  return pages.length > 0 ? pages[pages.length - 1]!.cursor : fallback;
}

export function describeSourceAdapterContract(name: string, setup: () => Promise<SourceAdapterHarness>): void {
  describe(`SourceAdapter contract: ${name}`, () => {
    let h: SourceAdapterHarness;
    let throttle: ReturnType<typeof countingThrottle>;
    let opts: AdapterCallOptions;

    beforeEach(async () => {
      h = await setup();
      throttle = countingThrottle();
      opts = { throttle };
    });
    afterEach(async () => {
      await h.close();
    });

    it('has a ref, and a rate-limit key that is not a credential-looking secret', () => {
      expect(h.adapter.ref.adapter).toMatch(/^[a-z][a-z0-9-]*$/); // an adapter plug-in's name rule
      expect(h.adapter.ref.table).not.toBe('');
      if (h.adapter.rateLimitKey !== undefined) expect(h.adapter.rateLimitKey).toMatch(/^[a-z]+:/);
    });

    it('pulls every seeded record from the start, with ISO updatedAt and deleted false', async () => {
      const a = await h.seed(h.fields('k-a', 'alpha'));
      const b = await h.seed(h.fields('k-b', 'beta'));
      const pulled = latest(await collectPages(h.adapter, START_CURSOR, opts));
      expect([...pulled.keys()].sort()).toEqual([a.id, b.id].sort());
      for (const r of pulled.values()) {
        expect(Number.isFinite(Date.parse(r.updatedAt))).toBe(true);
        expect(r.deleted).toBe(false);
      }
      expect(pulled.get(a.id)!.fields[h.keyField]).toBe('k-a');
      expect(pulled.get(b.id)!.fields[h.textField]).toBe('beta');
    });

    it('every page cursor resumes without skipping a record of a later page', async () => {
      const n = h.pageSize * 2 + 1;
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await h.seed(h.fields(`k-${i}`, `t-${i}`))).id);
      const pages = await collectPages(h.adapter, START_CURSOR, opts);
      expect([...latest(pages).keys()].sort()).toEqual([...ids].sort());
      for (let k = 0; k < pages.length; k++) {
        const before = new Set(pages.slice(0, k + 1).flatMap((p) => p.records.map((r) => r.id)));
        const resumed = latest(await collectPages(h.adapter, pages[k]!.cursor, opts));
        for (const id of ids) expect(before.has(id) || resumed.has(id), `page ${k} cursor skips ${id}`).toBe(true);
      }
    });

    it('a record edited right after a pull (same second) comes back from the saved cursor', async () => {
      const a = await h.seed(h.fields('k-a', 'alpha'));
      await h.seed(h.fields('k-b', 'beta'));
      const cursor = lastCursor(await collectPages(h.adapter, START_CURSOR, opts), START_CURSOR);
      await h.edit(a.id, { [h.textField]: 'alpha 2' });
      const created = await h.seed(h.fields('k-c', 'gamma'));
      const again = latest(await collectPages(h.adapter, cursor, opts));
      expect(again.get(a.id)?.fields[h.textField]).toBe('alpha 2');
      expect(again.has(created.id)).toBe(true);
    });

    it('pulling again without changes repeats at most what was already pulled, unchanged', async () => {
      await h.seed(h.fields('k-a', 'alpha'));
      const first = await collectPages(h.adapter, START_CURSOR, opts);
      const seen = latest(first);
      const again = latest(await collectPages(h.adapter, lastCursor(first, START_CURSOR), opts));
      for (const [id, r] of again) expect(r).toEqual(seen.get(id));
    });

    it('creates in order and returns the records the remote holds, equal to what a pull returns', async () => {
      const results = await h.adapter.write(
        [0, 1, 2].map((i) => ({ kind: 'create' as const, fields: h.fields(`new-${i}`, `text ${i}`) })),
        opts,
      );
      expect(results.map((r) => r.ok)).toEqual([true, true, true]);
      const records = results.map((r) => (r.ok ? r.record : null)!);
      expect(records.map((r) => r.fields[h.keyField])).toEqual(['new-0', 'new-1', 'new-2']);
      expect(new Set(records.map((r) => r.id)).size).toBe(3);
      const pulled = latest(await collectPages(h.adapter, START_CURSOR, opts));
      // What a write returns is what the next pull shows: echo suppression relies on it.
      for (const r of records) {
        expect(pulled.get(r.id)?.fields).toEqual(r.fields);
        expect(pulled.get(r.id)?.deleted).toBe(false);
      }
    });

    it('updates merge the given fields and return the updated record', async () => {
      const a = await h.seed(h.fields('k-a', 'alpha'));
      const [result] = await h.adapter.write([{ kind: 'update', id: a.id, fields: { [h.textField]: 'changed' } }], opts);
      expect(result!.ok).toBe(true);
      if (!result!.ok) return;
      expect(result!.record.id).toBe(a.id);
      expect(result!.record.fields[h.textField]).toBe('changed');
      expect(result!.record.fields[h.keyField]).toBe('k-a');
      const pulled = latest(await collectPages(h.adapter, START_CURSOR, opts));
      expect(pulled.get(a.id)?.fields).toEqual(result!.record.fields);
    });

    it('an update of a missing record fails that record only (batch of one)', async () => {
      const [result] = await h.adapter.write([{ kind: 'update', id: h.missingId, fields: { [h.textField]: 'x' } }], opts);
      expect(result!.ok).toBe(false);
      if (!result!.ok) expect(result!.reason).not.toBe('');
    });

    it('deletes: the result and the next pull show the record deleted, findByField no longer finds it', async () => {
      const a = await h.seed(h.fields('k-a', 'alpha'));
      const b = await h.seed(h.fields('k-b', 'beta'));
      const cursor = lastCursor(await collectPages(h.adapter, START_CURSOR, opts), START_CURSOR);
      const [result] = await h.adapter.write([{ kind: 'delete', id: a.id }], opts);
      expect(result).toMatchObject({ ok: true, record: { id: a.id, deleted: true } });
      const pulled = latest(await collectPages(h.adapter, cursor, opts));
      expect(pulled.get(a.id)?.deleted).toBe(true);
      const found = await h.adapter.findByField(h.keyField, ['k-a', 'k-b'], opts);
      expect(found.map((r) => r.id)).toEqual([b.id]);
    });

    it('findByField returns exactly the records holding one of the values', async () => {
      const a = await h.seed(h.fields("it's \"quoted\" {x}", 'alpha'));
      const b = await h.seed(h.fields('k-b', 'beta'));
      await h.seed(h.fields('k-c', 'gamma'));
      const found = await h.adapter.findByField(h.keyField, ["it's \"quoted\" {x}", 'k-b', 'nope'], opts);
      expect(found.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
      expect(await h.adapter.findByField(h.keyField, ['nothing'], opts)).toEqual([]);
    });

    it('a write of no ops returns no results', async () => {
      // (The reference InMemoryAdapter logs an empty write as a request, so request counts are not compared.)
      expect(await h.adapter.write([], opts)).toEqual([]);
    });

    it('acquires the throttle before every request', async () => {
      if (!h.requestCount) return;
      await h.seed(h.fields('k-a', 'alpha'));
      const start = h.requestCount();
      throttle.acquired = 0;
      await collectPages(h.adapter, START_CURSOR, opts);
      await h.adapter.write([{ kind: 'create', fields: h.fields('k-b', 'beta') }], opts);
      await h.adapter.findByField(h.keyField, ['k-a'], opts);
      expect(throttle.acquired).toBe(h.requestCount() - start);
      expect(throttle.acquired).toBeGreaterThanOrEqual(3);
    });

    it('stops when the signal is aborted', async () => {
      await h.seed(h.fields('k-a', 'alpha'));
      const controller = new AbortController();
      controller.abort(new Error('shutting down'));
      await expect(collectPages(h.adapter, START_CURSOR, { throttle, signal: controller.signal })).rejects.toThrow('shutting down');
    });
  });
}
