import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '@syncframe/engine';
import { drizzle } from 'drizzle-orm/pglite';
import type { LinkIndexDatabase } from './database.js';
import { quoteSchema } from './config.js';

/** An embedded PGlite database, with the drizzle database over it. */
export interface PgliteConnection {
  readonly db: LinkIndexDatabase;
  readonly client: PGlite;
  /** `PGlite at <dir>`, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

/**
 * Opens (or creates) the PGlite database in folder `conn` (a path, or a `file://` URL; the folder
 * is created if missing). `memory://` keeps it in memory. PGlite is one connection in this
 * process: one process per folder.
 */
export async function connectPglite(conn: string, schema: string): Promise<PgliteConnection> {
  const dataDir = await dataDirOf(conn);
  const client = await PGlite.create(dataDir);
  // One session for the whole life of the database, so a session-level SET holds for every query.
  await client.exec(`SET search_path TO ${quoteSchema(schema)}; SET TimeZone TO 'UTC';`);
  return {
    db: drizzle({ client }) as unknown as LinkIndexDatabase,
    client,
    where: `PGlite at ${conn}`,
    close: () => client.close(),
  };
}

async function dataDirOf(conn: string): Promise<string> {
  if (conn === 'memory://' || conn.startsWith('memory://')) return conn;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(conn)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'file') {
    throw new ConfigError(`the pglite link index takes a folder, a file:// URL or memory://, not ${scheme}://`);
  }
  const dir = scheme === 'file' ? fileURLToPath(conn) : conn;
  await mkdir(dir, { recursive: true });
  return dir;
}
