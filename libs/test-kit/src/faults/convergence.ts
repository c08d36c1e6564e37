import pg from 'pg';
import { expect } from 'vitest';
import { DATABASE_URL } from '../fleet/fleet-harness.js';
import type { FaultWorld } from './fault-world.js';

/** One Webflow item as the job's mappers make it of an Airtable record (and back): the comparable content. */
export interface VideoRow {
  readonly slug: string;
  readonly name: string;
  readonly notes: string;
}

/** What {@link checkConvergence} found; `problems` is empty when the world converged. */
export interface ConvergenceReport {
  readonly airtable: number;
  readonly webflow: number;
  readonly links: number;
  readonly problems: string[];
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** Live Airtable records under the job's airtable→webflow mapper (at-to-wf.mjs). */
export function airtableRows(world: FaultWorld): VideoRow[] {
  return world.airtable.records('Videos').map((r) => ({ slug: text(r.fields.Slug), name: text(r.fields.Name), notes: text(r.fields.Notes) }));
}

/** Live Webflow items (not archived), as rows. */
export function webflowRows(world: FaultWorld): VideoRow[] {
  return world.webflow.items('videos')
    .filter((i) => !i.isArchived)
    .map((i) => ({ slug: text(i.fieldData.slug), name: text(i.fieldData.name), notes: text(i.fieldData.notes) }));
}

const bySlug = (a: VideoRow, b: VideoRow) => a.slug.localeCompare(b.slug);
const duplicates = (values: readonly string[]) => [...new Set(values.filter((v, i) => values.indexOf(v) !== i))];

/**
 * Whether a fault scenario left the world converged:
 * 1. both sides hold the same records under the mappers (compared field by field, by slug), and
 *    neither holds a slug twice;
 * 2. the LinkIndex holds no duplicate link (a record linked twice on either side), no live link to a
 *    record that does not exist, a live link for every live record, and no cursor of a job or side
 *    the config does not have.
 * The caller then runs the job once more and checks that it writes nothing ({@link assertQuiet}).
 */
export async function checkConvergence(world: FaultWorld): Promise<ConvergenceReport> {
  const problems: string[] = [];
  const at = airtableRows(world).sort(bySlug);
  const wf = webflowRows(world).sort(bySlug);
  for (const [side, rows] of [['airtable', at], ['webflow', wf]] as const) {
    const twice = duplicates(rows.map((r) => r.slug));
    if (twice.length > 0) problems.push(`${side} holds slugs twice: ${twice.slice(0, 5).join(', ')}`);
  }
  const wfBySlug = new Map(wf.map((r) => [r.slug, r]));
  for (const row of at) {
    const other = wfBySlug.get(row.slug);
    if (!other) problems.push(`airtable ${row.slug} has no webflow item`);
    else if (other.name !== row.name || other.notes !== row.notes) {
      problems.push(`${row.slug} differs: airtable ${JSON.stringify(row)} webflow ${JSON.stringify(other)}`);
    }
  }
  const atSlugs = new Set(at.map((r) => r.slug));
  for (const row of wf) if (!atSlugs.has(row.slug)) problems.push(`webflow ${row.slug} has no airtable record`);

  const schema = (world.config.linkindex as { schema: string }).schema;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  let links = 0;
  try {
    await client.query(`SET search_path TO "${schema}"`);
    const linkRows = (await client.query<{ src_id: string; dest_id: string; deleted_at: Date | null }>(
      'SELECT src_id, dest_id, deleted_at FROM links',
    )).rows;
    links = linkRows.length;
    for (const [column, label] of [['src_id', 'airtable'], ['dest_id', 'webflow']] as const) {
      const twice = duplicates(linkRows.map((l) => l[column]));
      if (twice.length > 0) problems.push(`${label} records linked twice: ${twice.slice(0, 5).join(', ')}`);
    }
    const atIds = new Set(world.airtable.records('Videos').map((r) => r.id));
    const wfIds = new Set(world.webflow.items('videos').filter((i) => !i.isArchived).map((i) => i.id));
    const live = linkRows.filter((l) => l.deleted_at === null);
    for (const l of live) {
      if (!atIds.has(l.src_id)) problems.push(`link to airtable ${l.src_id}, which does not exist`);
      if (!wfIds.has(l.dest_id)) problems.push(`link to webflow ${l.dest_id}, which does not exist`);
    }
    const linkedAt = new Set(live.map((l) => l.src_id));
    const linkedWf = new Set(live.map((l) => l.dest_id));
    for (const id of atIds) if (!linkedAt.has(id)) problems.push(`airtable ${id} is not linked`);
    for (const id of wfIds) if (!linkedWf.has(id)) problems.push(`webflow ${id} is not linked`);

    const jobIds = new Set(world.config.jobs.map((j) => String(j.id)));
    const cursorRows = (await client.query<{ job_id: string; adapter: string; table_name: string }>(
      'SELECT job_id, adapter, table_name FROM cursors',
    )).rows;
    for (const c of cursorRows) {
      if (!jobIds.has(c.job_id)) problems.push(`cursor of job ${c.job_id}, which is not in the config`);
      if (c.adapter !== 'airtable' && c.adapter !== 'webflow') problems.push(`cursor of side ${c.adapter}/${c.table_name}, which no job has`);
    }
    for (const jobId of jobIds) {
      const sides = cursorRows.filter((c) => c.job_id === jobId).map((c) => c.adapter);
      if (duplicates(sides).length > 0) problems.push(`job ${jobId} has several cursors for one side`);
    }
  } finally {
    await client.end();
  }
  return { airtable: at.length, webflow: wf.length, links, problems };
}

/**
 * Runs the job once more through the queue and returns what it wrote: a converged world's run
 * writes nothing (no request that writes reaches either fake, and its summary counts no write).
 */
export async function runOnceMore(world: FaultWorld): Promise<{ writeRequests: number; written: number; status: string | null }> {
  await world.waitIdle();
  const before = world.writeRequests();
  const { queueJobId, runId } = await world.enqueue();
  await world.waitEnded(queueJobId);
  const summary = runId ? await world.store.getRun(runId) : null;
  const c = summary?.counts;
  const written = c ? c.source.created + c.source.updated + c.source.deleted + c.dest.created + c.dest.updated + c.dest.deleted : -1;
  return { writeRequests: world.writeRequests() - before, written, status: summary?.status ?? null };
}

/** Both sides hold exactly `expected` records, equal under the mappers, each linked once, and nothing else is amiss. */
export async function expectConverged(world: FaultWorld, expected: number, label: string): Promise<void> {
  const report = await checkConvergence(world);
  expect(report.problems, `${label}:\n${report.problems.join('\n')}`).toEqual([]);
  expect({ airtable: report.airtable, webflow: report.webflow, links: report.links }, label)
    .toEqual({ airtable: expected, webflow: expected, links: expected });
}
