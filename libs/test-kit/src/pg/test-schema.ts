/**
 * Each PostgreSQL test file works in a schema of its own, created fresh and dropped at the end,
 * so files run in parallel, and again, against one server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A schema name no other test run uses, e.g. `sf_test_contract_5f2a9c1e`. */
export function randomSchema(kind: string): string {
  return `sf_test_${kind}_${randomBytes(4).toString('hex')}`;
}

/** Runs SQL on a short-lived connection of its own (admin work: inspecting, dropping, locking). */
export async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withAdmin(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}
