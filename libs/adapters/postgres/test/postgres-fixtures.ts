/**
 * A fresh schema per test file (`sf_test_pgadapter_<random>`), tables in it, and adapters over
 * them. Tests write to the table behind the adapter's back through `admin` (a person or another
 * application using the database).
 */
import pg from 'pg';
import { dropSchema, randomSchema } from '@syncframe/test-kit/pg';
import { createPostgresTableAdapter } from '../src/index.js';
import type { PostgresSideOptions, PostgresTableAdapter } from '../src/index.js';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The test table: a bigserial id, a unique key, a text, a JSON value, a soft-delete flag and the cursor column. */
export function itemsTableSql(qualified: string): string {
  return `CREATE TABLE ${qualified} (
    id bigserial PRIMARY KEY,
    key text UNIQUE,
    text text,
    amount numeric,
    meta jsonb,
    deleted boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`;
}

export interface TestDb {
  readonly schema: string;
  /** A pool for the test's own statements. */
  readonly admin: pg.Pool;
  /** Creates a table `name` (default shape: {@link itemsTableSql}) and returns its `schema.table`. */
  table(name: string, sql?: (qualified: string) => string): Promise<string>;
  /** An adapter over `schema.table`; closed by `close`. */
  adapter(table: string, options?: Partial<PostgresSideOptions>): PostgresTableAdapter;
  close(): Promise<void>;
}

export async function openTestDb(kind = 'pgadapter'): Promise<TestDb> {
  const schema = randomSchema(kind);
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const adapters: PostgresTableAdapter[] = [];
  return {
    schema,
    admin,
    table: async (name, sql = itemsTableSql) => {
      await admin.query(sql(`"${schema}"."${name}"`));
      return `${schema}.${name}`;
    },
    adapter: (table, options = {}) => {
      const adapter = createPostgresTableAdapter({
        conn: DATABASE_URL, table, updated_at_column: 'updated_at', deleted_column: 'deleted', jobId: 'job-1', sideName: 'db', ...options,
      });
      adapters.push(adapter);
      return adapter;
    },
    close: async () => {
      await Promise.all(adapters.map((a) => a.close()));
      await admin.end();
      await dropSchema(DATABASE_URL, schema);
    },
  };
}
