import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';

/**
 * A drizzle database over either driver (node-postgres or PGlite). The LinkIndex only uses what
 * both share, so one implementation serves both.
 */
export type LinkIndexDatabase = PgDatabase<PgQueryResultHKT, Record<string, never>>;

/** A database or a transaction on it: anything a query can run on. */
export type LinkIndexExecutor = LinkIndexDatabase | PgTransaction<PgQueryResultHKT, Record<string, never>>;

/** Rows of a raw `execute()`: node-postgres and PGlite both answer `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Rows a raw statement touched: node-postgres says `rowCount`, PGlite `affectedRows`. */
export function affectedRowsOf(result: unknown): number {
  const r = result as { rowCount?: number | null; affectedRows?: number };
  return r.rowCount ?? r.affectedRows ?? 0;
}
