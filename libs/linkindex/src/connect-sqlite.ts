import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@libsql/client';
import type { Client } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import type { SqliteDatabase } from './database.sqlite.js';
import { SerialQueue } from './serial-queue.js';

/** How long a statement waits for another process's lock on the file before it fails (SQLITE_BUSY). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** A SQLite database file, with the drizzle database over it. */
export interface SqliteConnection {
  readonly db: SqliteDatabase;
  readonly client: Client;
  /** Every operation on this database goes through it, one at a time (see {@link SerialQueue}). */
  readonly queue: SerialQueue;
  /** `SQLite at <file>`, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * Opens (or creates, with its folder) the SQLite database file `conn` (a path, or a `file:` URL)
 * through libSQL: one connection, in WAL mode, with `synchronous=FULL` (each commit is on disk when
 * the call returns) and a busy timeout. One process per file.
 */
export async function connectSqlite(conn: string): Promise<SqliteConnection> {
  const file = /^file:/i.test(conn) ? fileURLToPath(conn) : conn;
  await mkdir(dirname(file), { recursive: true });
  // One connection: the queue serialises operations anyway, and pragmas set below hold for all of them.
  const client = createClient({ url: pathToFileURL(file).href, concurrency: 1, timeout: SQLITE_BUSY_TIMEOUT_MS });
  try {
    await client.execute('PRAGMA journal_mode = WAL');
    await client.execute('PRAGMA synchronous = FULL');
    await client.execute(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  } catch (err) {
    client.close();
    throw err;
  }
  return {
    db: drizzle({ client }) as SqliteDatabase,
    client,
    queue: new SerialQueue(),
    where: `SQLite at ${file}`,
    close: async () => client.close(),
  };
}
