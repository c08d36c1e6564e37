// An adapter plug-in for SyncFrame, as small as one can be: a "table" kept in a JSON file.
// Use it in a job with `"adapter": "./examples/json-file-adapter/index.mjs"` (a path relative to
// the config file) and `"file": "./people.json"`. README.md, "Writing an adapter", walks through it.
//
// The file holds { "records": [{ "id", "fields", "updatedAt", "deleted" }] }. Every write rewrites
// it whole (a temporary file renamed over it), so it suits small tables, demos and tests.
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { contentKey, defineAdapter } from '@syncframe/adapter-kit';
import { PermanentError } from '@syncframe/engine';

/** @typedef {import('@syncframe/engine').SyncRecord} SyncRecord */

export default defineAdapter(({ z }) => ({
  name: 'json-file',
  // The side's own keys. SyncFrame adds `adapter`, `throttle`, `settle_sec` and `settle_max_sec`.
  options: z.strictObject({
    file: z.string().min(1, 'must not be empty').describe('The JSON file holding the table, relative to the config file.'),
    hard_delete: z.boolean().default(false).describe('true: a delete removes the record; false: it flags it deleted. Default: false.'),
    page_size: z.number().int().min(1).max(10_000).default(100).describe('Records per pulled page. Default: 100.'),
  }),
  // A local file has no request budget worth the name: many requests a second, big batches.
  defaultThrottle: { max_reqs: 1000, interval_sec: 1, batch_size: 100 },
  maxBatchSize: 1000,
  tableOf: (options) => options.file,
  create: (options, wiring) => new JsonFileAdapter(options, wiring),
}));

class JsonFileAdapter {
  /** @param {{ file: string, hard_delete: boolean }} options @param {{ configDir: string, sideName?: string }} wiring */
  constructor(options, wiring) {
    this.ref = { adapter: 'json-file', table: options.file };
    this.path = path.resolve(wiring.configDir, options.file);
    this.hardDelete = options.hard_delete;
    this.pageSize = options.page_size;
    this.where = `json-file side "${wiring.sideName ?? '?'}" (${options.file})`;
  }

  /**
   * Changes since the cursor, oldest first, `page_size` a page: records stamped after its time, or
   * at its time and not seen there yet as they are now. Timestamps are milliseconds, so a record can
   * change again within the one it was pulled in: the cursor remembers what it saw by id and content
   * (the kit's `contentKey`), not by id alone. Each page's cursor resumes right after that page.
   */
  async *pull(cursor, { throttle, signal }) {
    (await throttle.acquire(signal)).sent();
    let since = cursor.value === null ? { t: '', seen: [] } : JSON.parse(cursor.value);
    const seenAs = (r) => `${r.id}:${contentKey(r)}`;
    const records = (await this.read())
      .filter((r) => r.updatedAt > since.t || (r.updatedAt === since.t && !since.seen.includes(seenAs(r))))
      .sort((a, b) => (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 0; i < records.length; i += this.pageSize) {
      const page = records.slice(i, i + this.pageSize);
      const t = page[page.length - 1].updatedAt;
      since = { t, seen: [...(t === since.t ? since.seen : []), ...page.filter((r) => r.updatedAt === t).map(seenAs)] };
      yield { records: page, cursor: { value: JSON.stringify(since) } };
    }
  }

  async write(ops, { throttle, signal }) {
    (await throttle.acquire(signal)).sent();
    const records = await this.read();
    const byId = new Map(records.map((r) => [r.id, r]));
    let stamp = records.reduce((max, r) => Math.max(max, Date.parse(r.updatedAt)), 0);
    const next = () => new Date((stamp = Math.max(Date.now(), stamp + 1))).toISOString();
    const results = ops.map((op) => {
      if (op.kind === 'create') {
        const record = { id: randomUUID(), fields: op.fields, updatedAt: next(), deleted: false };
        records.push(record);
        byId.set(record.id, record);
        return { ok: true, record: structuredClone(record) };
      }
      const record = byId.get(op.id);
      if (!record) return op.kind === 'delete' ? { ok: true, record: { id: op.id, fields: {}, updatedAt: next(), deleted: true } } : { ok: false, reason: `no record ${op.id}` };
      if (op.kind === 'update') Object.assign(record, { fields: { ...record.fields, ...op.fields }, updatedAt: next() });
      else if (this.hardDelete) records.splice(records.indexOf(record), 1);
      else Object.assign(record, { deleted: true, updatedAt: next() });
      return { ok: true, record: structuredClone(record) };
    });
    await this.save(records);
    return results;
  }

  async findByField(field, values, { throttle, signal }) {
    (await throttle.acquire(signal)).sent();
    const wanted = new Set(values);
    return (await this.read()).filter((r) => !r.deleted && r.fields[field] !== undefined && wanted.has(String(r.fields[field])));
  }

  async *listIds({ throttle, signal }) {
    (await throttle.acquire(signal)).sent();
    yield (await this.read()).map((r) => r.id);
  }

  async readRecords(ids, { throttle, signal }) {
    (await throttle.acquire(signal)).sent();
    const wanted = new Set(ids);
    return (await this.read()).filter((r) => wanted.has(r.id));
  }

  /** @returns {Promise<SyncRecord[]>} */
  async read() {
    let text;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') return [];
      throw new PermanentError(`${this.where}: cannot read ${this.path}: ${err.code ?? err.message}`);
    }
    const parsed = JSON.parse(text);
    if (!Array.isArray(parsed.records)) throw new PermanentError(`${this.where}: ${this.path} has no "records" list`);
    return parsed.records.map((r) => ({ id: String(r.id), fields: r.fields ?? {}, updatedAt: r.updatedAt, deleted: r.deleted === true }));
  }

  async save(records) {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ records }, null, 2)}\n`);
    await rename(tmp, this.path);
  }
}
