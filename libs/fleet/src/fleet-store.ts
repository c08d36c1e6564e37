import type { LoadedConfig } from '@syncframe/config';
import { ConfigError } from '@syncframe/engine';

/** What each single-process store is, for the message. */
const EMBEDDED: Record<Exclude<LoadedConfig['linkindex']['driver'], 'postgres'>, string> = {
  pglite: 'PGlite folder',
  sqlite: 'SQLite file',
  memory: 'in-memory store',
};

/**
 * The fleet's processes share their state through PostgreSQL: an embedded PGlite folder, a SQLite
 * file (or memory) cannot be shared by several processes, so the scheduler and workers refuse them.
 */
export function assertFleetStore(config: LoadedConfig, processName: string): void {
  const driver = config.linkindex.driver;
  if (driver === 'postgres') return;
  throw new ConfigError(
    `${config.file}: the ${processName} needs linkindex.driver "postgres" (got "${driver}"). ` +
    'A fleet of workers and a scheduler share links, cursors and leases through one PostgreSQL database; ' +
    `an embedded ${EMBEDDED[driver]} belongs to a single process. ` +
    'For one process without Redis, use `syncframe sync --job ID` instead.',
  );
}

/** `host:pid`, this process's identity in leases and logs. */
export async function processIdentity(): Promise<string> {
  const { hostname } = await import('node:os');
  return `${hostname()}:${process.pid}`;
}
