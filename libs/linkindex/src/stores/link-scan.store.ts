import { and, asc, count, isNull, sql } from 'drizzle-orm';
import type { Link, LinkKey, TablePair } from '@syncframe/engine';
import { linkKeyAfter, linkOfScannedRow, pairIs } from './conditions.js';
import type { LinkIndexExecutor } from '../database.js';
import { links } from '../schema.js';

/**
 * The `links` table walked whole, for reconciliation: live links of a pair in key order, their
 * count, and links let go (a rejected delete). Functions over an executor.
 */

/** Live links after `after` (keyset on source id, dest id), at most `limit`. */
export async function listLinks(ex: LinkIndexExecutor, pair: TablePair, after: LinkKey | null, limit: number): Promise<Link[]> {
  const rows = await ex
    .select({
      sourceId: links.srcId, destId: links.destId, sourceHash: links.sourceHash, destHash: links.destHash,
      sourceFields: links.sourceFields, destFields: links.destFields, deletedAt: links.deletedAt, syncedAt: links.syncedAt,
    })
    .from(links)
    .where(and(pairIs(links, pair), isNull(links.deletedAt), linkKeyAfter(links, after)))
    .orderBy(asc(links.srcId), asc(links.destId))
    .limit(limit);
  return rows.map(linkOfScannedRow);
}

export async function countLinks(ex: LinkIndexExecutor, pair: TablePair): Promise<number> {
  const rows = await ex.select({ n: count() }).from(links).where(and(pairIs(links, pair), isNull(links.deletedAt)));
  return Number(rows[0]?.n ?? 0);
}

/** One statement whatever the number of keys. */
export async function deleteLinks(ex: LinkIndexExecutor, pair: TablePair, keys: readonly LinkKey[]): Promise<void> {
  if (keys.length === 0) return;
  await ex.delete(links).where(and(
    pairIs(links, pair),
    sql`(${links.srcId}, ${links.destId}) IN (SELECT * FROM unnest(${sql.param(keys.map((k) => k.sourceId))}::text[], ${sql.param(keys.map((k) => k.destId))}::text[]))`,
  ));
}
