import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import pg from 'pg';
import { copyLinkIndex } from '@syncframe/linkindex';
import type { LinkIndexConfig } from '@syncframe/linkindex';

/** The fleet the demo leaves running with `--keep`: scheduler, a worker and the board. */
export interface DemoFleet {
  readonly boardUrl: string;
  readonly apiToken: string;
  close(): Promise<void>;
}

/** Whether something answers TCP at the URL's host and port (Redis, PostgreSQL), within a second. */
export function reachable(url: string, defaultPort: number): Promise<boolean> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname || '127.0.0.1';
    port = Number(u.port || defaultPort);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/**
 * Moves the demo onto a fleet, as an operator outgrowing one process would: the PGlite store is
 * copied into a PostgreSQL schema of its own (`syncframe linkindex copy`), the config is pointed at
 * it, and a scheduler, a worker and the board start in this process on their own queue prefix.
 * Closing stops them and drops the schema.
 */
export async function startDemoFleet(
  configFile: string, pglite: LinkIndexConfig, env: { redisUrl: string; databaseUrl: string },
): Promise<DemoFleet> {
  const schema = `syncframe_demo_${randomBytes(4).toString('hex')}`;
  const postgres: LinkIndexConfig = { driver: 'postgres', conn: env.databaseUrl, schema };
  await copyLinkIndex(pglite, postgres);
  const fleetConfig = join(configFile, '..', 'fleet.jsonc');
  const config = JSON.parse(readFileSync(configFile, 'utf8').replace(/^\/\/.*\n/, '')) as Record<string, unknown>;
  config.linkindex = { driver: 'postgres', conn: '${DATABASE_URL}', schema };
  writeFileSync(fleetConfig, `// The demo on a fleet: the same jobs, on PostgreSQL.\n${JSON.stringify(config, null, 2)}\n`);
  const apiToken = randomBytes(18).toString('hex');
  const processEnv = {
    ...process.env, DATABASE_URL: env.databaseUrl, REDIS_URL: env.redisUrl, SYNCFRAME_API_TOKEN: apiToken,
    SYNCFRAME_QUEUE_PREFIX: `syncframe-demo-${schema.slice(-8)}`, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const { startScheduler } = await import('@syncframe/scheduler');
  const { startWorker } = await import('@syncframe/worker');
  const { startBoard } = await import('@syncframe/board');
  const scheduler = await startScheduler({ configPath: fleetConfig, env: processEnv });
  const worker = await startWorker({ configPath: fleetConfig, env: processEnv });
  const board = await startBoard({ configPath: fleetConfig, env: processEnv, port: 0, host: '127.0.0.1' });
  return {
    boardUrl: board.url,
    apiToken,
    async close() {
      await board.close();
      await worker.close();
      await scheduler.close();
      const client = new pg.Client({ connectionString: env.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
    },
  };
}
