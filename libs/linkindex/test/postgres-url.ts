/**
 * Where the PostgreSQL tests connect:
 * 1. DATABASE_URL when set;
 * 2. else, when a Docker engine is reachable, a throwaway PostgreSQL 15 from @testcontainers/postgresql
 *    (one per test file, stopped when the file's process exits);
 * 3. else the local server, postgres://postgres@127.0.0.1:5432/test (trust auth, as on the dev machines).
 */
import { existsSync } from 'node:fs';

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

let resolved: Promise<string> | undefined;

export function postgresUrl(): Promise<string> {
  resolved ??= resolveUrl();
  return resolved;
}

async function resolveUrl(): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (!dockerAvailable()) return LOCAL_POSTGRES_URL;
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine').start();
  // Testcontainers' reaper removes the container once this process is gone.
  return container.getConnectionUri();
}

function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}
