/**
 * An adapter plug-in loaded by path: the example json-file adapter (examples/json-file-adapter),
 * validated with its own option schema (a typo reported at FILE:LINE:COL with the key path),
 * then synced both ways by the CLI; plug-ins that are missing or have the wrong shape fail
 * `validate` at the side's `adapter`, and nothing runs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { runCli } from '@syncframe/cli';
import { DATABASE_URL, freshSchema } from '@syncframe/test-kit/fleet';

const PLUGIN = resolve(import.meta.dirname, '../../../examples/json-file-adapter/index.mjs');
let dir: string;

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { ...process.env, LOG_LEVEL: 'silent' }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A config of one job between two json-file sides; `left` lets a test spell the left side's keys. */
function writeConfig(left = '"file": "./left.json"', adapter = relative(dir, PLUGIN)): string {
  const file = join(dir, 'jobs.jsonc');
  writeFileSync(file, `{
  "linkindex": { "driver": "pglite", "conn": "./state" },
  "jobs": [{
    "id": "files",
    "sides": {
      "left": { "adapter": ${JSON.stringify(adapter)}, ${left} },
      "right": { "adapter": ${JSON.stringify(relative(dir, PLUGIN))}, "file": "./right.json" }
    },
    "mappings": { "left→right": "./same.mjs", "right→left": "./same.mjs" }
  }]
}
`);
  return file;
}

/** The 1-based column of `needle` on a 1-based line of the file. */
const columnOf = (file: string, line: number, needle: string) => readFileSync(file, 'utf8').split('\n')[line - 1]!.indexOf(needle) + 1;

const recordsOf = (name: string) => (JSON.parse(readFileSync(join(dir, name), 'utf8')) as { records: { id: string; fields: Record<string, unknown>; deleted: boolean }[] }).records;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syncframe-plugin-'));
  writeFileSync(join(dir, 'same.mjs'), 'export default (r) => ({ fields: { ...r.fields }, deleted: r.deleted });\n');
  writeFileSync(join(dir, 'left.json'), JSON.stringify({ records: [
    { id: 'a1', fields: { name: 'Ada' }, updatedAt: '2026-01-01T00:00:00.000Z' },
    { id: 'a2', fields: { name: 'Grace' }, updatedAt: '2026-01-01T00:00:01.000Z' },
  ] }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an adapter plug-in loaded by path', () => {
  it('validate reports an option typo of the plug-in at FILE:LINE:COL with the key path', async () => {
    const config = writeConfig('"fiel": "./left.json"');
    const res = await cli('validate', '--config', config);
    expect(res.code).toBe(2);
    // The missing `file` is the typo's consequence: one line says it all.
    expect(res.err).toBe(`${config}:6:${columnOf(config, 6, '"fiel"')} jobs[0].sides.left.fiel: unknown key (did you mean "file"?)`);
  });

  it('a missing plug-in or one of the wrong shape fails validate at the side\'s adapter; nothing starts', async () => {
    const config = writeConfig(undefined, './no-such-adapter.mjs');
    const missing = await cli('validate', '--config', config);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(`${config}:6:${columnOf(config, 6, '"./no-such')} jobs[0].sides.left.adapter: adapter plug-in module not found (${join(dir, 'no-such-adapter.mjs')})`);
    writeFileSync(join(dir, 'not-a-plugin.mjs'), 'export default 42;\n');
    const wrong = await cli('sync', '--job', 'files', '--config', writeConfig(undefined, './not-a-plugin.mjs'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('jobs[0].sides.left.adapter: adapter plug-in must have a factory function as its default export (see defineAdapter) (its default export is number)');
    writeFileSync(join(dir, 'bad-shape.mjs'), 'export default () => ({ name: "x", options: {}, tableOf: () => "t", create() {} });\n');
    const shape = await cli('validate', '--config', writeConfig(undefined, './bad-shape.mjs'));
    expect(shape.err).toContain('adapter plug-in has the wrong shape: `options` must be a zod object schema built with the host\'s `z`');
  });

  it('syncs both ways through the plug-in, and a second run writes nothing', async () => {
    const config = writeConfig();
    const valid = await cli('validate', '--config', config, '--json');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.out).jobs[0].source).toMatchObject({ adapter: relative(dir, PLUGIN), plugin: 'json-file', table: './left.json', options: { file: './left.json', hard_delete: false } });

    const first = await cli('sync', '--job', 'files', '--config', config);
    expect(first.code, first.err).toBe(0);
    expect(recordsOf('right.json').map((r) => r.fields['name']).sort()).toEqual(['Ada', 'Grace']);

    const right = JSON.parse(readFileSync(join(dir, 'right.json'), 'utf8')) as { records: { fields: Record<string, unknown>; updatedAt: string }[] };
    right.records[0]!.fields['name'] = `${String(right.records[0]!.fields['name'])} (edited)`;
    right.records[0]!.updatedAt = new Date(Date.now() + 1000).toISOString();
    writeFileSync(join(dir, 'right.json'), JSON.stringify(right));
    const back = await cli('sync', '--job', 'files', '--config', config, '--json');
    expect(JSON.parse(back.out).counts.source.updated).toBe(1);
    expect(recordsOf('left.json').map((r) => r.fields['name']).sort()).toEqual(expect.arrayContaining([expect.stringMatching(/ \(edited\)$/)]));

    const quiet = JSON.parse((await cli('sync', '--job', 'files', '--config', config, '--json')).out);
    expect([quiet.counts.source, quiet.counts.dest].map((c: { created: number; updated: number }) => c.created + c.updated)).toEqual([0, 0]);
  });

  it('the built-in postgres adapter is a plug-in registered by name: its option typo is located, and it syncs with a plug-in side', async () => {
    const { schema, drop } = await freshSchema();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await client.query(`CREATE TABLE "${schema}".people (id text PRIMARY KEY DEFAULT gen_random_uuid()::text, name text, updated_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
      await client.query(`INSERT INTO "${schema}".people (name) VALUES ('Ada'), ('Grace')`);
      writeFileSync(join(dir, 'names.mjs'), 'export default (r) => ({ fields: { name: r.fields.name ?? null }, deleted: r.deleted });\n');
      const file = join(dir, 'pg.jsonc');
      const write = (pgKeys: string) => writeFileSync(file, `{
  "linkindex": { "driver": "pglite", "conn": "./pg-state" },
  "jobs": [{
    "id": "pg-files",
    "sides": {
      "db": { "adapter": "postgres", "conn": "\${DATABASE_URL}", "table": "${schema}.people", ${pgKeys} },
      "file": { "adapter": ${JSON.stringify(relative(dir, PLUGIN))}, "file": "./from-pg.json" }
    },
    "mappings": { "db→file": "./names.mjs", "file→db": "./names.mjs" }
  }]
}
`);
      write('"updated_at_colum": "updated_at"');
      const env = { ...process.env, DATABASE_URL, LOG_LEVEL: 'silent' };
      const run = async (...args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const code = await runCli(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
        return { code, out: out.join('\n'), err: err.join('\n') };
      };
      const typo = await run('validate', '--config', file);
      expect(typo.code).toBe(2);
      expect(typo.err).toContain(`${file}:6:${columnOf(file, 6, '"updated_at_colum"')} jobs[0].sides.db.updated_at_colum: unknown key (did you mean "updated_at_column"?)`);

      write('"updated_at_column": "updated_at"');
      const first = await run('sync', '--job', 'pg-files', '--config', file);
      expect(first.code, first.err).toBe(0);
      expect(recordsOf('from-pg.json').map((r) => r.fields['name']).sort()).toEqual(['Ada', 'Grace']);
      const json = JSON.parse(readFileSync(join(dir, 'from-pg.json'), 'utf8')) as { records: { fields: Record<string, unknown>; updatedAt: string }[] };
      json.records.find((r) => r.fields['name'] === 'Ada')!.fields['name'] = 'Ada Lovelace';
      json.records.forEach((r) => (r.updatedAt = new Date(Date.now() + 1000).toISOString()));
      writeFileSync(join(dir, 'from-pg.json'), JSON.stringify(json));
      expect((await run('sync', '--job', 'pg-files', '--config', file)).code).toBe(0);
      expect((await client.query(`SELECT name FROM "${schema}".people ORDER BY name`)).rows.map((r: { name: string }) => r.name)).toEqual(['Ada Lovelace', 'Grace']);
      expect(first.out + first.err).not.toContain(new URL(DATABASE_URL).password || 'no-password-in-this-url');
    } finally {
      await client.end();
      await drop();
    }
  });

  it('runs the same plug-in job on a SQLite LinkIndex, and `linkindex copy` carries that file into PostgreSQL', async () => {
    const file = join(dir, 'sqlite.jsonc');
    writeFileSync(file, readFileSync(writeConfig(), 'utf8').replace('"driver": "pglite", "conn": "./state"', '"driver": "sqlite", "conn": "./state.db"'));
    const first = await cli('sync', '--job', 'files', '--config', file, '--json');
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out).status).toBe('success');
    const again = JSON.parse((await cli('sync', '--job', 'files', '--config', file, '--json')).out);
    expect([again.counts.source, again.counts.dest].map((c: { created: number; updated: number }) => c.created + c.updated)).toEqual([0, 0]);
    const { schema, drop } = await freshSchema();
    try {
      const copied = await cli('linkindex', 'copy', '--from', join(dir, 'state.db'), '--to', DATABASE_URL, '--to-schema', schema);
      expect(copied.code, copied.err).toBe(0);
      expect(copied.err).toContain(`copying SQLite at ${join(dir, 'state.db')} → PostgreSQL`);
      expect(copied.out).toMatch(/^links\s+([1-9]\d*)\s+\1$/m);
      expect(copied.out).toMatch(/^runs\s+2\s+2$/m);
    } finally {
      await drop();
    }
  });
});
