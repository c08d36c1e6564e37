import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { Link, Side, TablePair } from '@syncframe/engine';
import type { LinkIndexExecutor } from '../database.js';
import { rowsOf } from '../database.js';
import { links } from '../schema.js';
import { compare, dateOf, name } from './values.js';

/**
 * The `links` table: one row per linked pair of records, keyed by table pair + source id + dest id.
 * Functions over an executor (the database or a transaction); the caller decides the transaction.
 */

/**
 * Links per INSERT. The statement binds one array per column, so the 65535-parameter limit is
 * never near; the chunk bounds the size of one statement (and of one message to the server)
 * instead, while a batch of 1000 stays one statement. Larger batches are several statements in
 * one transaction.
 */
export const LINKS_PER_STATEMENT = 5000;

/** Links of `pair` whose `side` id is one of `ids` (tombstones included): one statement whatever the batch size. */
export async function findLinks(ex: LinkIndexExecutor, pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
  if (ids.length === 0) return [];
  const idColumn = side === 'source' ? links.srcId : links.destId;
  // One array parameter whatever the batch size: no parameter limit, and one plan for every size.
  // Written as SQL rather than with the select builder, which costs more than the lookup itself.
  const result = await ex.execute(sql`
    SELECT ${name(links.srcId)}, ${name(links.destId)}, ${name(links.sourceHash)}, ${name(links.destHash)},
      ${name(links.deletedAt)}, ${name(links.syncedAt)}, ${name(links.sourceFields)}, ${name(links.destFields)}
    FROM ${links}
    WHERE ${name(idColumn)} = ANY(${sql.param([...ids])}::text[])
      AND ${name(links.srcAdapter)} = ${pair.source.adapter} AND ${name(links.srcTable)} = ${pair.source.table}
      AND ${name(links.destAdapter)} = ${pair.dest.adapter} AND ${name(links.destTable)} = ${pair.dest.table}`);
  return rowsOf<RawLinkRow>(result).map(linkOfRaw);
}

/**
 * The statements that upsert `batch`: one per {@link LINKS_PER_STATEMENT} links, built (and their
 * times validated) before anything is sent. Run them with {@link runLinkUpserts}, in one
 * transaction when there are several.
 */
export function linkUpserts(pair: TablePair, batch: readonly Link[]): SQL[] {
  const rows = linkRows(batch);
  const statements: SQL[] = [];
  for (let i = 0; i < rows.length; i += LINKS_PER_STATEMENT) statements.push(upsertLinksStatement(pair, rows.slice(i, i + LINKS_PER_STATEMENT)));
  return statements;
}

export async function runLinkUpserts(ex: LinkIndexExecutor, statements: readonly SQL[]): Promise<void> {
  for (const statement of statements) await ex.execute(statement);
}

// ---- row mapping ------------------------------------------------------------------------------------

/**
 * A links row as a raw query returns it: timestamps as PostgreSQL prints them (drizzle turns off
 * pg's Date parsing), or SQLite's epoch milliseconds.
 */
export interface RawLinkRow {
  src_id: string;
  dest_id: string;
  source_hash: string | null;
  dest_hash: string | null;
  deleted_at: string | number | Date | null;
  synced_at: string | number | Date;
  /** jsonb: parsed by the driver, or its text. Absent from queries that do not select it. */
  source_fields?: Record<string, string> | string | null;
  dest_fields?: Record<string, string> | string | null;
}

/** A per-field hash map read back (field_merge jobs); null when the column is. */
function fieldsOfRaw(value: Record<string, string> | string | null | undefined): Record<string, string> | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? (JSON.parse(value) as Record<string, string>) : value;
}

export function linkOfRaw(row: RawLinkRow): Link {
  const link: Link = {
    sourceId: row.src_id,
    destId: row.dest_id,
    sourceHash: row.source_hash,
    destHash: row.dest_hash,
    deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at).toISOString(),
    syncedAt: new Date(row.synced_at).toISOString(),
  };
  // Only field_merge jobs store per-field hashes: other links read back as they were saved.
  const sourceFields = fieldsOfRaw(row.source_fields);
  const destFields = fieldsOfRaw(row.dest_fields);
  return { ...link, ...(sourceFields ? { sourceFields } : {}), ...(destFields ? { destFields } : {}) };
}

/**
 * Links to write, one per key: PostgreSQL refuses an upsert that touches a row twice, so a
 * batch naming one link twice keeps its last entry (as replacing one by one would). Sorted by
 * key, so two concurrent upserts lock rows in the same order and cannot deadlock each other.
 */
export function linkRows(batch: readonly Link[]): Link[] {
  const byKey = new Map<string, Link>();
  for (const link of batch) byKey.set(`${link.sourceId}\u0000${link.destId}`, link);
  return [...byKey.values()].sort((a, b) => compare(a.sourceId, b.sourceId) || compare(a.destId, b.destId));
}

/**
 * One INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE for a chunk of links: one array
 * parameter per column instead of one parameter per value. drizzle's multi-row `values()`
 * spends ~0.2 ms per row building the statement, more than PostgreSQL spends writing it; the
 * arrays cost next to nothing to build and keep the statement far below the 65535-parameter limit.
 */
function upsertLinksStatement(pair: TablePair, rows: readonly Link[]): SQL {
  // Validated and normalised here, so a bad time is named rather than reported by the server as a bad array.
  const times = (pick: (l: Link) => string | null, what: string) =>
    rows.map((l) => {
      const value = pick(l);
      return value === null ? null : dateOf(value, what).toISOString();
    });
  return sql`
    INSERT INTO ${links} (${name(links.srcAdapter)}, ${name(links.srcTable)}, ${name(links.destAdapter)}, ${name(links.destTable)},
      ${name(links.srcId)}, ${name(links.destId)}, ${name(links.sourceHash)}, ${name(links.destHash)}, ${name(links.deletedAt)}, ${name(links.syncedAt)},
      ${name(links.sourceFields)}, ${name(links.destFields)})
    SELECT ${pair.source.adapter}::text, ${pair.source.table}::text, ${pair.dest.adapter}::text, ${pair.dest.table}::text,
      u.src_id, u.dest_id, u.source_hash, u.dest_hash, u.deleted_at, u.synced_at, u.source_fields, u.dest_fields
    FROM unnest(
      ${sql.param(rows.map((l) => l.sourceId))}::text[],
      ${sql.param(rows.map((l) => l.destId))}::text[],
      ${sql.param(rows.map((l) => l.sourceHash))}::text[],
      ${sql.param(rows.map((l) => l.destHash))}::text[],
      ${sql.param(times((l) => l.deletedAt, 'link deletedAt'))}::timestamptz[],
      ${sql.param(times((l) => l.syncedAt, 'link syncedAt'))}::timestamptz[],
      ${sql.param(rows.map((l) => jsonOrNull(l.sourceFields)))}::jsonb[],
      ${sql.param(rows.map((l) => jsonOrNull(l.destFields)))}::jsonb[]
    ) AS u(src_id, dest_id, source_hash, dest_hash, deleted_at, synced_at, source_fields, dest_fields)
    ON CONFLICT (${name(links.srcAdapter)}, ${name(links.srcTable)}, ${name(links.destAdapter)}, ${name(links.destTable)}, ${name(links.srcId)}, ${name(links.destId)})
    DO UPDATE SET ${name(links.sourceHash)} = excluded.${name(links.sourceHash)}, ${name(links.destHash)} = excluded.${name(links.destHash)},
      ${name(links.deletedAt)} = excluded.${name(links.deletedAt)}, ${name(links.syncedAt)} = excluded.${name(links.syncedAt)},
      ${name(links.sourceFields)} = excluded.${name(links.sourceFields)}, ${name(links.destFields)} = excluded.${name(links.destFields)}`;
}

const jsonOrNull = (fields: Link['sourceFields']) => (fields ? JSON.stringify(fields) : null);
