/**
 * The SourceAdapter contract suite against the example adapter plug-in (examples/json-file-adapter),
 * built the way SyncFrame builds a plug-in side: its factory called with SyncFrame's zod, its
 * options parsed by its own schema.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AdapterPluginFactory } from '@syncframe/adapter-kit';
import { START_CURSOR } from '@syncframe/engine';
import type { Fields, SyncRecord } from '@syncframe/engine';
import { callOptions } from '@syncframe/test-kit';
import { collectPages, describeSourceAdapterContract } from '@syncframe/test-kit/contracts';

const PLUGIN = pathToFileURL(resolve(import.meta.dirname, '../../../examples/json-file-adapter/index.mjs')).href;
const factory = ((await import(PLUGIN)) as { default: AdapterPluginFactory }).default;

describeSourceAdapterContract('json-file (example plug-in)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'syncframe-json-file-'));
  const file = join(dir, 'table.json');
  const plugin = factory({ z });
  const adapter = plugin.create(plugin.options.parse({ file: './table.json', page_size: 5 }) as Record<string, unknown>, { configDir: dir, sideName: 'files' });
  let stamp = Date.parse('2026-01-01T00:00:00.000Z');
  const read = (): SyncRecord[] => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { records: SyncRecord[] }).records;
    } catch {
      return [];
    }
  };
  const save = (records: SyncRecord[]) => writeFileSync(file, JSON.stringify({ records }));
  const now = () => new Date(Math.max(Date.now(), (stamp += 1))).toISOString();
  let next = 1;
  return {
    adapter,
    keyField: 'key',
    textField: 'text',
    fields: (key: string, text: string): Fields => ({ key, text }),
    async seed(fields) {
      const record: SyncRecord = { id: `seed-${next++}`, fields, updatedAt: now(), deleted: false };
      save([...read(), record]);
      return record;
    },
    async edit(id, fields) {
      save(read().map((r) => (r.id === id ? { ...r, fields: { ...r.fields, ...fields }, updatedAt: now() } : r)));
    },
    missingId: 'no-such-record',
    pageSize: 5,
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('json-file (example plug-in): the cursor within one millisecond', () => {
  it('a record edited in the very millisecond it was pulled at comes back from the saved cursor; an unchanged one does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syncframe-json-file-'));
    try {
      const plugin = factory({ z });
      const adapter = plugin.create(plugin.options.parse({ file: './table.json' }) as Record<string, unknown>, { configDir: dir });
      const at = '2026-01-01T00:00:00.000Z';
      const save = (text: string) => writeFileSync(join(dir, 'table.json'), JSON.stringify({ records: [
        { id: 'a', fields: { text }, updatedAt: at, deleted: false },
        { id: 'b', fields: { text: 'beta' }, updatedAt: at, deleted: false },
      ] }));
      save('alpha');
      const opts = callOptions();
      const first = await collectPages(adapter, START_CURSOR, opts);
      const cursor = first[first.length - 1]!.cursor;
      expect(first.flatMap((p) => p.records.map((r) => r.id))).toEqual(['a', 'b']);
      expect((await collectPages(adapter, cursor, opts)).flatMap((p) => p.records)).toEqual([]);
      save('alpha 2'); // same millisecond, new content
      const again = (await collectPages(adapter, cursor, opts)).flatMap((p) => p.records);
      expect(again.map((r) => [r.id, r.fields['text']])).toEqual([['a', 'alpha 2']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
