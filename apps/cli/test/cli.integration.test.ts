import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirtableFake } from '@syncframe/fakes';
import { startAirtableFake } from '@syncframe/fakes';
import type { WebflowFake } from '@syncframe/fakes';
import { startWebflowFake } from '@syncframe/fakes';
import { runCli } from '@syncframe/cli';
import { QUEUES } from '@syncframe/fleet';
import { REDIS_URL, tempDir, writeMappers } from '@syncframe/test-kit/fleet';

const AT_TOKEN = 'patCliSecret00001.abcdef0123456789';
const WF_TOKEN = 'wfCliSecretToken00000000abcdef';
const BASE = 'appCliBase0000001';
const prefix = `sf-test-${randomUUID().slice(0, 8)}`;
let airtable: AirtableFake;
let webflow: WebflowFake;
let dir: string;
let configPath: string;
const env = () => ({ ...process.env, AT_TOKEN, WF_TOKEN, REDIS_URL, SYNCFRAME_QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' });

/** A port that was free a moment ago and has nobody listening. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env(), { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  airtable = await startAirtableFake({
    tokens: [AT_TOKEN], rateLimit: false,
    bases: { [BASE]: { tables: [{ name: 'Videos', fields: [
      { name: 'Name', type: 'singleLineText' }, { name: 'Slug', type: 'singleLineText' }, { name: 'Notes', type: 'multilineText' },
      { name: 'Last Modified', type: 'lastModifiedTime' },
    ] }] } },
  });
  webflow = await startWebflowFake({
    tokens: [WF_TOKEN], rateLimit: false,
    sites: { site0000000000000000002: { collections: [{ slug: 'videos', fields: [{ slug: 'notes', type: 'PlainText' }] }] } },
  });
  dir = tempDir();
  writeMappers(dir);
  configPath = join(dir, 'jobs.jsonc');
  /** A job's sides (Airtable's Videos at `airtableUrl`, the fake Webflow's videos) and its mapping files. */
  const sidesAndMappings = (airtableUrl: string) => `"sides": {
      "airtable": { "adapter": "airtable", "table": "Videos", "api_url": "${airtableUrl}", "last_modified_field": "Last Modified",
                    "creds": { "apiKey": "\${AT_TOKEN}", "baseId": "${BASE}" } },
      "webflow": { "adapter": "webflow", "collection": "${webflow.collectionId('videos')}", "api_url": "${webflow.url}",
                   "creds": { "token": "\${WF_TOKEN}" } }
    },
    "mappings": { "airtable→webflow": "./at-to-wf.mjs", "webflow→airtable": "./wf-to-at.mjs" }`;
  writeFileSync(configPath, `{
  // a single-process setup: the embedded PGlite store
  "linkindex": { "driver": "pglite", "conn": "./state" },
  "jobs": [{
    "id": "videos",
    ${sidesAndMappings(airtable.url)},
    "match": { "airtable": "Slug", "webflow": "slug" },
    "retries": { "max_attempts": 1, "backoff_sec": 1, "disable_job_after": 5 }
  }, {
    "id": "unreachable",
    // Nothing listens there any more: every connection is refused.
    ${sidesAndMappings(`http://127.0.0.1:${await closedPort()}`)},
    // Minutes of back-off if the CLI kept retrying a refused connection.
    "retries": { "max_attempts": 5, "backoff_sec": 60, "disable_job_after": 5 }
  }]
}
`);
  airtable.insert('Videos', { Name: 'One', Slug: 'one' });
  airtable.insert('Videos', { Name: 'Two', Slug: 'two' });
  webflow.insert('videos', { name: 'Three', slug: 'three' });
}, 30_000);

afterAll(async () => {
  await airtable?.close();
  await webflow?.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('syncframe CLI', () => {
  it('--help lists the commands; an unknown command is a usage error', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    for (const c of ['validate', 'sync --job ID [--dry-run]', 'enqueue', 'migrate', 'prune', 'jobs list', 'conflicts resolve', 'scheduler', 'worker', 'board']) {
      expect(help.out).toContain(c);
    }
    const syncHelp = await cli('sync', '--help');
    expect(syncHelp.code).toBe(0);
    expect(syncHelp.out).toMatch(/^Usage: syncframe sync --job ID/);
    expect(syncHelp.out).toContain('--dry-run');
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('sync', '--bogus')).code).toBe(2);
  });

  it('validate: exit 0 for a good config, 2 with FILE:LINE:COL for a bad one; no secret printed', async () => {
    const ok = await cli('validate', '--config', configPath);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('valid (2 jobs');
    expect(ok.out).toContain(`  videos: airtable (airtable: Videos) ⇄ webflow (webflow: ${webflow.collectionId('videos')}), on demand`);
    const bad = join(dir, 'bad.jsonc');
    writeFileSync(bad, '{\n  "jobs": [ { "id": "x", "sides": {} } ]\n}\n');
    const res = await cli('validate', '--config', bad);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/bad\.jsonc:2:\d+ jobs\[0\]/);
    const badJson = await cli('validate', '--config', bad, '--json');
    expect(badJson.code).toBe(2);
    const report = JSON.parse(badJson.out) as { valid: boolean; errors: { file: string; line: number; column: number; path: string; message: string }[] };
    expect(report.valid).toBe(false);
    expect(report.errors[0]).toMatchObject({ line: 2, path: expect.stringMatching(/^jobs\[0\]/) });
    const json = await cli('validate', '--config', configPath, '--json');
    expect(json.out).not.toContain(AT_TOKEN);
    expect(json.out).not.toContain(WF_TOKEN);
  });

  it('a side whose host refuses connections fails the CLI at once, said first and in words, never "nothing to do"', async () => {
    const res = await cli('sync', '--job', 'unreachable', '--dry-run', '--config', configPath);
    expect(res.code).toBe(1);
    const lines = res.out.split('\n');
    expect(lines[0]).toMatch(/^failed: the airtable side: .*network error \(TypeError: ECONNREFUSED\)/);
    expect(res.out).toContain('no plan: a side could not be read');
    expect(res.out).not.toContain('nothing to do');
    const real = await cli('sync', '--job', 'unreachable', '--config', configPath);
    expect(real.code).toBe(1);
    expect(real.out).toMatch(/^failed \(airtable\): .*ECONNREFUSED/m);
    expect(real.err).not.toMatch(/retrying in/);
  });

  it('sync --dry-run prints the plan per record and writes nothing', async () => {
    const before = webflow.requests.filter((r) => r.method !== 'GET').length;
    const res = await cli('sync', '--job', 'videos', '--dry-run', '--config', configPath);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/create\s+source \S+ → dest \(new\)/);
    expect(res.out).toMatch(/create\s+dest \S+ → source \(new\)/);
    expect(res.out).toContain('nothing was written');
    expect(webflow.requests.filter((r) => r.method !== 'GET').length).toBe(before);
    expect(airtable.records('Videos')).toHaveLength(2);
  });

  it('sync runs one cycle in-process: exit 0 and the run summary', async () => {
    const res = await cli('sync', '--job', 'videos', '--config', configPath, '--json');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.out);
    expect(summary).toMatchObject({ jobId: 'videos', status: 'success', counts: { dest: { created: 2 }, source: { created: 1 } } });
    expect(webflow.items('videos')).toHaveLength(3);
    expect(res.out + res.err).not.toContain(AT_TOKEN);
    // Every request counted per account, none of them a 429.
    const accounts = summary.accounts as { account: string; requests: number; rateLimited: number }[];
    expect(accounts.map((a) => a.account).sort()).toEqual([expect.stringMatching(/^airtable:app/), expect.stringMatching(/^webflow:/)]);
    expect(accounts.every((a) => a.requests > 0 && a.rateLimited === 0)).toBe(true);
    expect(JSON.stringify(accounts)).not.toContain(AT_TOKEN);
  });

  it('sync prints words and a table of each account for a person', async () => {
    const res = await cli('sync', '--job', 'videos', '--config', configPath);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^run \S+: success in \d+\.\d s$/m);
    expect(res.out).toMatch(/^ {2}airtable: pulled \d+; written: created \d+/m);
    expect(res.out).toMatch(/^account\s+sides\s+limit\s+requests\s+429s\s+waited\s+share of ceiling$/m);
    expect(res.out).toMatch(/^airtable:app\S*\s+airtable\s+5\/1s\s+\d+\s+0\s/m);
  });

  it('sync exits 3 on a partial run and 1 on a failed one', async () => {
    airtable.insert('Videos', { Name: 'Dup', Slug: 'three' }); // webflow already has slug "three", linked elsewhere
    airtable.insert('Videos', { Name: 'Fine', Slug: 'fine' });
    const partial = await cli('sync', '--job', 'videos', '--config', configPath, '--json');
    expect(partial.code).toBe(3);
    expect(JSON.parse(partial.out).errors[0].reason).toMatch(/match key "three" is already linked/);
    webflow.fail({ status: 500, times: 5 });
    const failed = await cli('sync', '--job', 'videos', '--config', configPath, '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.out).status).toBe('failed');
  });

  it('jobs list / disable / enable, and a disabled job is not synced', async () => {
    const list = await cli('jobs', 'list', '--config', configPath, '--json');
    const [row] = JSON.parse(list.out);
    expect(row).toMatchObject({ id: 'videos', enabled: true, failCounts: { airtable: 0, webflow: 1 } });
    expect((await cli('jobs', 'disable', 'videos', '--config', configPath)).code).toBe(0);
    const skipped = await cli('sync', '--job', 'videos', '--config', configPath);
    expect(skipped.code).toBe(1);
    expect(skipped.err).toContain('disabled');
    const refused = await cli('enqueue', '--job', 'videos', '--config', configPath);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('jobs enable videos');
    const enabled = await cli('jobs', 'enable', 'videos', '--config', configPath);
    expect(enabled.out).toContain('fail counts reset');
    expect(JSON.parse((await cli('jobs', 'list', '--config', configPath, '--json')).out)[0].failCounts).toEqual({ airtable: 0, webflow: 0 });
  });

  it('conflicts list and resolve', async () => {
    const none = await cli('conflicts', 'list', '--config', configPath);
    expect(none.out).toBe('no open conflicts');
    expect((await cli('conflicts', 'resolve', 'nope', '--keep', 'source', '--config', configPath)).code).toBe(2);
    expect((await cli('conflicts', 'resolve', 'nope', '--keep', 'sideways', '--config', configPath)).code).toBe(2);
  });

  it('migrate and prune', async () => {
    expect((await cli('migrate', '--config', configPath)).out).toContain('migrated');
    expect((await cli('prune', '--older-than', '0d', '--config', configPath)).out).toMatch(/pruned [1-9]\d* runs?/);
    expect((await cli('prune', '--older-than', 'soon', '--config', configPath)).code).toBe(2);
  });

  it('enqueue adds a deduplicated run to the queue, with no credential in its data', async () => {
    const first = await cli('enqueue', '--job', 'videos', '--config', configPath);
    expect(first.code).toBe(0);
    const second = await cli('enqueue', '--job', 'videos', '--config', configPath);
    expect(first.out).toMatch(/^videos: queued; a worker starts it shortly\n {2}run [0-9a-f-]{36}: follow it on the board at \/runs\//);
    expect(second.out).toContain('a run of this job is already queued; this trigger was merged into it');
    // The same run: the second trigger points at the first one's run id.
    expect(/run ([0-9a-f-]{36})/.exec(second.out)?.[1]).toBe(/run ([0-9a-f-]{36})/.exec(first.out)?.[1]);
    const queue = new Queue(QUEUES.runs, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix });
    const waiting = await queue.getWaiting();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.data).toMatchObject({ jobId: 'videos', trigger: 'cli' });
    expect(JSON.stringify(waiting[0]!.data)).not.toContain(AT_TOKEN);
    await queue.close();
  });

  it('sync --reconcile finds a record deleted for good; the delete brake holds it; deletes list, approve, and the next sync applies it', async () => {
    // An earlier test's duplicate key (never linked) goes; the 500s it queued on Webflow may not all be spent yet.
    airtable.remove('Videos', airtable.records('Videos').find((r) => r.fields['Name'] === 'Dup')!.id);
    let first = await cli('sync', '--job', 'videos', '--config', configPath);
    for (let i = 0; i < 5 && first.code !== 0; i++) first = await cli('sync', '--job', 'videos', '--config', configPath);
    expect(first.code, `${first.out}\n${first.err}`).toBe(0);
    const gone = airtable.records('Videos').find((r) => r.fields['Slug'] === 'one')!;
    const partner = webflow.items('videos').find((i) => i.fieldData['slug'] === 'one')!;
    airtable.remove('Videos', gone.id);

    const plain = await cli('sync', '--job', 'videos', '--config', configPath);
    expect(plain.out).not.toContain('delete brake');
    const reconciled = await cli('sync', '--job', 'videos', '--reconcile', '--config', configPath);
    expect(reconciled.code).toBe(0);
    // 1 of 3 linked records is more than the default 10 %: held, nothing deleted.
    expect(reconciled.out).toMatch(/reconciled: \d+ airtable ids, \d+ webflow ids; gone: 1 airtable, 0 webflow/);
    expect(reconciled.out).toContain('delete brake: 1 delete held, none applied; see `syncframe deletes list --job videos`');
    expect(webflow.items('videos').find((i) => i.id === partner.id)!.isArchived).toBe(false);

    const list = await cli('deletes', 'list', '--job', 'videos', '--config', configPath);
    expect(list.out).toContain(`delete webflow ${partner.id} (airtable ${gone.id} is gone)`);
    const [pending] = JSON.parse((await cli('deletes', 'list', '--job', 'videos', '--json', '--config', configPath)).out);
    expect(pending).toMatchObject({ jobId: 'videos', sourceId: gone.id, destId: partner.id, cause: 'gone', decision: null });
    expect((await cli('deletes', 'approve', '--job', 'videos', '--config', configPath)).code).toBe(2);
    expect((await cli('deletes', 'approve', 'nope', '--job', 'videos', '--config', configPath)).code).toBe(1);
    const approved = await cli('deletes', 'approve', '--job', 'videos', '--all', '--config', configPath);
    expect(approved.out).toBe('1 pending delete approved; the next run of videos deletes them');

    const applied = await cli('sync', '--job', 'videos', '--config', configPath);
    expect(applied.code).toBe(0);
    expect(applied.out).toContain(`deleted webflow ${partner.id} (its partner is gone, approved): {`);
    expect(applied.out).toContain('"slug":"one"');
    expect(webflow.items('videos').find((i) => i.id === partner.id)!.isArchived).toBe(true);
    expect((await cli('deletes', 'list', '--job', 'videos', '--config', configPath)).out).toBe('no pending deletes');
  });

  it('explain tells why a record did (not) sync, by either side\'s id, in words or JSON', async () => {
    const rec = airtable.records('Videos').find((r) => r.fields['Slug'] === 'two')!;
    const item = webflow.items('videos').find((i) => i.fieldData['slug'] === 'two')!;
    airtable.edit('Videos', rec.id, { Name: 'Two, edited' });
    const words = await cli('explain', '--job', 'videos', '--record', rec.id, '--config', configPath);
    expect(words.code).toBe(0);
    expect(words.out).toContain(`record ${rec.id} of job videos (airtable side):`);
    // The run that synced it was pruned by an earlier test: the time alone is said.
    expect(words.out).toMatch(/- Last synced at \d{4}-\d\d-\d\dT[\d:.]+Z\./);
    expect(words.out).toContain('- It changed since it last synced.');
    expect(words.out).toContain(`- Its partner webflow ${item.id} differs in name.`);
    expect(words.out).toContain(`- Next run that pulls it: update webflow ${item.id} (name).`);
    const json = JSON.parse((await cli('explain', '--job', 'videos', '--record', item.id, '--json', '--config', configPath)).out);
    expect(json).toMatchObject({ side: 'dest', link: { sourceId: rec.id, destId: item.id }, partner: { id: rec.id, exists: true } });
    const unknown = await cli('explain', '--job', 'videos', '--record', 'recNothingHere000', '--config', configPath);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('No record recNothingHere000 on either side of job videos');
    expect((await cli('explain', '--job', 'videos', '--config', configPath)).code).toBe(2);
    expect(words.out + unknown.out).not.toContain(AT_TOKEN);
  });

  it('linkindex copy carries the PGlite store into an empty PostgreSQL schema and prints the counts, which agree', async () => {
    const schema = `cli_copy_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
    const dsn = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    try {
      const res = await cli('linkindex', 'copy', '--from', join(dir, 'state'), '--to', dsn, '--to-schema', schema);
      expect(res.code, res.err).toBe(0);
      const links = /^links\s+(\d+)\s+(\d+)$/m.exec(res.out);
      expect(Number(links?.[1])).toBeGreaterThanOrEqual(3);
      expect(links?.[2]).toBe(links?.[1]);
      expect(res.out).toMatch(/^runs\s+(\d+)\s+\1$/m);
      expect(res.out).toContain('the counts agree');
      expect((await cli('linkindex', 'copy', '--from', join(dir, 'state'), '--to', dsn, '--to-schema', schema)).err).toContain('copy into an empty store');
      expect((await cli('linkindex', 'copy', '--from', join(dir, 'state'))).code).toBe(2);
    } finally {
      const client = new pg.Client({ connectionString: dsn });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });

  const bin = resolve(import.meta.dirname, '../bin/syncframe.js');
  const built = existsSync(resolve(import.meta.dirname, '../dist/main.js'));
  if (!built) console.log('skipping the built-binary test: apps/cli/dist is not built (npm ci builds it)');
  it.skipIf(!built)('the installed binary answers --help', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: syncframe <command>');
  });
});
