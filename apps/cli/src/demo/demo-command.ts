import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import { loadConfig } from '@syncframe/config';
import type { JobConfig } from '@syncframe/config';
import { InProcessThrottles, runSyncCycle, silentLogger } from '@syncframe/engine';
import type { ThrottleProvider } from '@syncframe/engine';
import type { CycleResult, Side } from '@syncframe/engine';
import { buildSyncJob } from '@syncframe/fleet';
import { openLinkIndex } from '@syncframe/linkindex';
import type { LinkIndexStore } from '@syncframe/linkindex';
import type { CliContext } from '../cli-context.js';
import { EXIT } from '../cli-context.js';
import { formatRunSummary } from '../run-summary-text.js';
import { count, describePlan, table } from './demo-report.js';
import { writeDemoConfig } from './demo-files.js';
import { reachable, startDemoFleet } from './demo-fleet.js';
import type { DemoFleet } from './demo-fleet.js';
import { DEMO, seedDemo, startDemoWorld } from './demo-world.js';
import type { DemoWorld } from './demo-world.js';

/**
 * `syncframe demo [--keep]`: SyncFrame syncing with no account anywhere. Local Airtable and
 * Webflow servers (the project's fakes of both HTTP APIs) run in this process, the real adapters
 * talk to them, the embedded PGlite store keeps the links. Two syncs show creates both ways, a
 * reference and an image carried across, edits on each side, echoes skipped and a conflict decided.
 * Everything stops at the end unless `--keep`.
 */
export async function demoCommand(ctx: CliContext): Promise<number> {
  const started = Date.now();
  const keep = ctx.args.values.keep !== undefined && ctx.args.values.keep !== false;
  const dir = mkdtempSync(join(tmpdir(), 'syncframe-demo-'));
  const world = await startDemoWorld();
  let store: LinkIndexStore | null = null;
  try {
    const out = ctx.out;
    out('SyncFrame demo: a local Airtable base and Webflow site (the project\'s fakes of both HTTP APIs,');
    out('driven by the real adapters), synced both ways, links kept in the embedded PGlite store.');
    out('');
    seedDemo(world);
    const configFile = writeDemoConfig(dir, { airtable: world.airtable.url, webflow: world.webflow.url });
    const config = await loadConfig(configFile, { env: {}, adapters: BUILTIN_ADAPTER_PLUGINS });
    store = (await openLinkIndex(config.linkindex, { migrate: true })).linkIndex;
    const name = namer(world);

    out('Before the first sync');
    printCounts(ctx, world);
    out('');

    out('First sync (Authors first, so that every video can point at its author)');
    for (const job of config.jobs) printRun(ctx, job, await sync(job, store), name);
    out('');
    out('Videos, side by side after the first sync');
    printVideos(ctx, world);
    out('');

    out('Meanwhile, people edit both sides');
    const at = (title: string) => world.airtable.records('Videos').find((r) => r.fields.Title === title)!;
    const wf = (title: string) => world.webflow.items('videos').find((i) => i.fieldData.name === title)!;
    world.clock.advance(2000);
    world.airtable.edit('Videos', at('Compilers for everyone').id, { Notes: 'Keynote, now with captions' });
    out('  in Airtable: "Compilers for everyone" gets new notes');
    world.webflow.edit('videos', wf('Just for fun').id, { name: 'Just for Fun (2001)' });
    out('  in Webflow:  "Just for fun" is renamed "Just for Fun (2001)"');
    world.airtable.edit('Videos', at('Bernoulli numbers by hand').id, { Notes: 'Edited in Airtable first' });
    world.clock.advance(2000);
    world.webflow.edit('videos', wf('Bernoulli numbers by hand').id, { notes: 'Edited in Webflow a little later' });
    out('  on both sides: "Bernoulli numbers by hand" gets different notes, Webflow\'s edit last');
    world.clock.advance(2000);
    out('');

    out('Second sync');
    let second: CycleResult | null = null;
    for (const job of config.jobs) {
      const result = await sync(job, store);
      printRun(ctx, job, result, name);
      if (job.id === 'demo-videos') second = result;
    }
    out('');
    if (second?.summary) {
      out('The run as `syncframe sync` prints it (requests per account, and how close to its rate limit):');
      for (const line of formatRunSummary(second.summary, { source: 'airtable', dest: 'webflow' })) out(`  ${line}`);
      out('');
    }

    out('Third sync: both sides agree, so the run only reads');
    for (const job of config.jobs) printRun(ctx, job, await sync(job, store), name);
    out('');
    out('Videos, side by side at the end');
    printVideos(ctx, world);
    out('');
    out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    if (!keep) {
      out('Everything ran in this process and has stopped. `syncframe demo --keep` leaves the local APIs running to try the CLI on.');
      return EXIT.ok;
    }
    await store.close();
    store = null;
    out('');
    out('The local APIs keep running (Ctrl-C stops them):');
    out(`  Airtable  ${world.airtable.url}   base ${DEMO.baseId}`);
    out(`  Webflow   ${world.webflow.url}   site ${DEMO.siteId}`);
    out(`  config    ${configFile} (tokens in the .env beside it)`);
    const redisUrl = ctx.env.REDIS_URL || 'redis://127.0.0.1:6379';
    const databaseUrl = ctx.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
    let fleet: DemoFleet | null = null;
    if ((await reachable(redisUrl, 6379)) && (await reachable(databaseUrl, 5432))) {
      fleet = await startDemoFleet(configFile, config.linkindex, { redisUrl, databaseUrl }).catch((err: unknown) => {
        out(`  (no fleet: ${err instanceof Error ? err.message : String(err)})`);
        return null;
      });
    } else {
      out(`  (no fleet: the board needs Redis at ${redisUrl} and PostgreSQL at DATABASE_URL; set them to see it)`);
    }
    if (fleet) {
      out('The store was copied to PostgreSQL (`syncframe linkindex copy`), and a scheduler, a worker and the board run here:');
      out(`  board     ${fleet.boardUrl}   (token ${fleet.apiToken}: log in with it, or send it as a Bearer token)`);
    }
    out('Try:');
    out(`  npx syncframe sync --job demo-videos --dry-run --config ${configFile}`);
    out(`  npx syncframe jobs list --config ${configFile}`);
    await untilInterrupted();
    await fleet?.close();
    return EXIT.ok;
  } finally {
    await store?.close();
    await world.close();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** One budget per remote account for the whole demo: both jobs use the same Airtable base and Webflow token. */
const throttles: ThrottleProvider = new InProcessThrottles();

async function sync(job: JobConfig, store: LinkIndexStore): Promise<CycleResult> {
  return runSyncCycle(buildSyncJob(job, { logger: silentLogger }), { linkIndex: store, logger: silentLogger, throttles }, { trigger: 'cli' });
}

function printRun(ctx: CliContext, job: JobConfig, result: CycleResult, name: (job: JobConfig, side: Side, id: string) => string): void {
  const s = result.summary;
  const took = s ? ` in ${(s.durationMs / 1000).toFixed(1)} s` : '';
  ctx.out(`${job.id}: ${result.status}${took}`);
  for (const line of describePlan(result.plan, (side, id) => name(job, side, id))) ctx.out(line);
  for (const f of result.failures) ctx.out(`  failed: ${f.message}`);
}

function namer(world: DemoWorld) {
  return (job: JobConfig, side: Side, id: string): string => {
    const videos = job.id === 'demo-videos';
    if (side === 'source') {
      const r = world.airtable.get(videos ? 'Videos' : 'Authors', id);
      return String((videos ? r?.fields.Title : r?.fields.Name) ?? id);
    }
    return String(world.webflow.get(videos ? 'videos' : 'authors', id)?.fieldData.name ?? id);
  };
}

function printCounts(ctx: CliContext, world: DemoWorld): void {
  const at = (t: string) => count(world.airtable.records(t).length, t === 'Authors' ? 'author' : 'video');
  const wf = (c: string) => count(world.webflow.items(c).length, c === 'authors' ? 'author' : 'video');
  for (const line of table([
    ['', 'Authors', 'Videos'],
    ['Airtable', at('Authors'), at('Videos')],
    ['Webflow', wf('authors'), wf('videos')],
  ])) ctx.out(line);
}

/** Every video of both sides, paired by slug: title, author and thumbnail as each side holds them. */
function printVideos(ctx: CliContext, world: DemoWorld): void {
  const authorAt = new Map(world.airtable.records('Authors').map((r) => [r.id, String(r.fields.Name)]));
  const authorWf = new Map(world.webflow.items('authors').map((i) => [i.id, String(i.fieldData.name)]));
  const slugs = new Set([...world.airtable.records('Videos').map((r) => String(r.fields.Slug)), ...world.webflow.items('videos').map((i) => String(i.fieldData.slug))]);
  const rows = [['slug', 'Airtable title', 'author', 'thumbnail', 'Webflow name', 'author', 'thumbnail']];
  for (const slug of [...slugs].sort()) {
    const r = world.airtable.records('Videos').find((x) => x.fields.Slug === slug);
    const i = world.webflow.items('videos').find((x) => x.fieldData.slug === slug);
    const thumbAt = (r?.fields.Thumbnail as { filename?: string }[] | undefined)?.[0]?.filename ?? '-';
    const thumbWf = (i?.fieldData.thumbnail as { alt?: string } | undefined)?.alt ?? '-';
    rows.push([
      slug,
      r ? String(r.fields.Title) : '(missing)', r ? authorAt.get((r.fields.Author as string[] | undefined)?.[0] ?? '') ?? '-' : '', r ? thumbAt : '',
      i ? String(i.fieldData.name) : '(missing)', i ? authorWf.get(String(i.fieldData.author ?? '')) ?? '-' : '', i ? thumbWf : '',
    ]);
  }
  for (const line of table(rows)) ctx.out(line);
}

function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
