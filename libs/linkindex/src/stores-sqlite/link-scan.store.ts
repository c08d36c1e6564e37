import { and, asc, count, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Link, LinkKey, TablePair } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { links } from '../schema.sqlite.js';
import { isoOrNull } from '../stores/values.js';
import { jsonParam } from './json-param.js';

/** The `links` table walked whole on SQLite (see `stores/link-scan.store.ts`). */

function ofPair(pair: TablePair) {
  return and(
    eq(links.srcAdapter, pair.source.adapter), eq(links.srcTable, pair.source.table),
    eq(links.destAdapter, pair.dest.adapter), eq(links.destTable, pair.dest.table),
  );
}

/** Live links after `after` (keyset on source id, dest id), at most `limit`. */
export async function listLinks(ex: SqliteExecutor, pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]> {
  const rows = await ex
    .select({
      sourceId: links.srcId, destId: links.destId, sourceHash: links.sourceHash, destHash: links.destHash,
      sourceFields: links.sourceFields, destFields: links.destFields, deletedAt: links.deletedAt, syncedAt: links.syncedAt,
    })
    .from(links)
    .where(and(
      ofPair(pair), isNull(links.deletedAt),
      after === null ? undefined : or(gt(links.srcId, after.sourceId), and(eq(links.srcId, after.sourceId), gt(links.destId, after.destId))),
    ))
    .orderBy(asc(links.srcId), asc(links.destId))
    .limit(limit);
  return rows.map((r) => ({
    sourceId: r.sourceId, destId: r.destId, sourceHash: r.sourceHash, destHash: r.destHash,
    ...(r.sourceFields ? { sourceFields: r.sourceFields } : {}), ...(r.destFields ? { destFields: r.destFields } : {}),
    deletedAt: isoOrNull(r.deletedAt), syncedAt: r.syncedAt.toISOString(),
  }));
}

export async function countLinks(ex: SqliteExecutor, pair: TablePair): Promise<number> {
  const rows = await ex.select({ n: count() }).from(links).where(and(ofPair(pair), isNull(links.deletedAt)));
  return Number(rows[0]?.n ?? 0);
}

/** One statement whatever the number of keys. */
export async function deleteLinks(ex: SqliteExecutor, pair: TablePair, keys: readonly LinkKey[]): Promise<void> {
  if (keys.length === 0) return;
  await ex.delete(links).where(and(
    ofPair(pair),
    sql`(${links.srcId}, ${links.destId}) IN (
      SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${jsonParam(keys.map((k) => [k.sourceId, k.destId]))}))`,
  ));
}
