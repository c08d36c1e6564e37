import type { ResultSet } from '@libsql/client';
import type { LibSQLDatabase } from 'drizzle-orm/libsql';
import type { SQLiteTransaction } from 'drizzle-orm/sqlite-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';

/** A drizzle database over the `sqlite` driver's libSQL client. */
export type SqliteDatabase = LibSQLDatabase<Record<string, never>>;

/** A SQLite database or a transaction on it: anything a query can run on. */
export type SqliteExecutor =
  | SqliteDatabase
  | SQLiteTransaction<'async', ResultSet, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
