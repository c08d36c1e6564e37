import type { SqliteDatabase, SqliteExecutor } from '../database.sqlite.js';
import type { WriteOptions } from '../stores/transaction.js';
import { assertLeaseHeld } from './fencing.js';

/**
 * Runs a store's write: in a transaction (BEGIN IMMEDIATE) when it is fenced (the lease check and
 * the write must commit together) or spans several statements (all or nothing); a single statement
 * is atomic as is. The same rule as `stores/transaction.ts`, for SQLite.
 */
export async function inSqliteWriteTransaction<T>(
  db: SqliteDatabase,
  options: WriteOptions,
  body: (ex: SqliteExecutor) => Promise<T>,
): Promise<T> {
  const { fence, severalStatements = false } = options;
  if (!fence && !severalStatements) return body(db);
  return db.transaction(async (tx) => {
    if (fence) await assertLeaseHeld(tx, fence);
    return body(tx);
  });
}
