import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { Link, Side, TablePair } from '@syncframe/engine';
import type { SqliteExecutor } from '../database.sqlite.js';
import { links } from '../schema.sqlite.js';
import type { RawLinkRow } from '../stores/links.store.js';
import { LINKS_PER_STATEMENT, linkOfRaw, linkRows } from '../stores/links.store.js';
import { dateOf, name } from '../stores/values.js';
import { jsonParam } from './json-param.js';

/**
 * The `links` table on SQLite (see `stores/links.store.ts`). Where PostgreSQL binds one array per
 * column and unnests it, SQLite binds one JSON array and walks it with `json_each`: one statement
 * and one parameter whatever the batch size, far from SQLite's bound-parameter limit.
 */

export async function findLinks(ex: SqliteExecutor, pair: TablePair, side: Side, ids: readonly string[]): Promise<Link[]> {
  if (ids.length === 0) return [];
  const idColumn = side === 'source' ? links.srcId : links.destId;
  const rows = await ex.all<RawLinkRow>(sql`
    SELECT ${name(links.srcId)}, ${name(links.destId)}, ${name(links.sourceHash)}, ${name(links.destHash)},
      ${name(links.deletedAt)}, ${name(links.syncedAt)}, ${name(links.sourceFields)}, ${name(links.destFields)}
    FROM ${links}
    WHERE ${name(idColumn)} IN (SELECT value FROM json_each(${jsonParam(ids)}))
      AND ${name(links.srcAdapter)} = ${pair.source.adapter} AND ${name(links.srcTable)} = ${pair.source.table}
      AND ${name(links.destAdapter)} = ${pair.dest.adapter} AND ${name(links.destTable)} = ${pair.dest.table}`);
  return rows.map(linkOfRaw);
}

/** The statements that upsert `batch` (times validated before anything is sent), one per {@link LINKS_PER_STATEMENT} links. */
export function linkUpserts(pair: TablePair, batch: readonly Link[]): SQL[] {
  const rows = linkRows(batch);
  const statements: SQL[] = [];
  for (let i = 0; i < rows.length; i += LINKS_PER_STATEMENT) statements.push(upsertLinksStatement(pair, rows.slice(i, i + LINKS_PER_STATEMENT)));
  return statements;
}

export async function runLinkUpserts(ex: SqliteExecutor, statements: readonly SQL[]): Promise<void> {
  for (const statement of statements) await ex.run(statement);
}

const msOrNull = (value: string | null, what: string) => (value === null ? null : dateOf(value, what).getTime());
const jsonOrNull = (fields: Link['sourceFields']) => (fields ? JSON.stringify(fields) : null);

function upsertLinksStatement(pair: TablePair, rows: readonly Link[]): SQL {
  const tuples = rows.map((l) => [
    l.sourceId, l.destId, l.sourceHash, l.destHash, msOrNull(l.deletedAt, 'link deletedAt'), msOrNull(l.syncedAt, 'link syncedAt'),
    jsonOrNull(l.sourceFields), jsonOrNull(l.destFields),
  ]);
  const at = (i: number) => sql.raw(`json_extract(u.value, '$[${i}]')`);
  // `WHERE true`: without a WHERE, SQLite would read ON CONFLICT as a join constraint of the SELECT.
  return sql`
    INSERT INTO ${links} (${name(links.srcAdapter)}, ${name(links.srcTable)}, ${name(links.destAdapter)}, ${name(links.destTable)},
      ${name(links.srcId)}, ${name(links.destId)}, ${name(links.sourceHash)}, ${name(links.destHash)}, ${name(links.deletedAt)}, ${name(links.syncedAt)},
      ${name(links.sourceFields)}, ${name(links.destFields)})
    SELECT ${pair.source.adapter}, ${pair.source.table}, ${pair.dest.adapter}, ${pair.dest.table},
      ${at(0)}, ${at(1)}, ${at(2)}, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)}, ${at(7)}
    FROM json_each(${jsonParam(tuples)}) AS u WHERE true
    ON CONFLICT (${name(links.srcId)}, ${name(links.srcAdapter)}, ${name(links.srcTable)}, ${name(links.destAdapter)}, ${name(links.destTable)}, ${name(links.destId)})
    DO UPDATE SET ${name(links.sourceHash)} = excluded.${name(links.sourceHash)}, ${name(links.destHash)} = excluded.${name(links.destHash)},
      ${name(links.deletedAt)} = excluded.${name(links.deletedAt)}, ${name(links.syncedAt)} = excluded.${name(links.syncedAt)},
      ${name(links.sourceFields)} = excluded.${name(links.sourceFields)}, ${name(links.destFields)} = excluded.${name(links.destFields)}`;
}
