import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { callOptions } from '@syncframe/test-kit';
import { describeSourceAdapterContract } from '@syncframe/test-kit/contracts';
import type { SourceAdapterHarness } from '@syncframe/test-kit/contracts';
import { DATABASE_URL, openTestDb } from './postgres-fixtures.js';
import type { TestDb } from './postgres-fixtures.js';

let db: TestDb;
let n = 0;
beforeAll(async () => {
  db = await openTestDb('pgcontract');
});
afterAll(async () => {
  await db?.close();
});

/**
 * A fresh table per test. The adapter gets a pool of the test's own, so the harness can count
 * requests (one pool checkout each). `cursor_lag_sec` 0 makes the cursor really move.
 */
function harness(cursorLagSec: number) {
  return async (): Promise<SourceAdapterHarness> => {
    const table = await db.table(`items_${++n}`);
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    let requests = 0;
    pool.on('acquire', () => requests++);
    const adapter = db.adapter(table, { pool, cursor_lag_sec: cursorLagSec, pageSize: 3 });
    const [schema, name] = table.split('.');
    const qualified = `"${schema}"."${name}"`;
    const read = async (id: string) => (await adapter.readRecords([id], callOptions()))[0]!;
    return {
      adapter,
      keyField: 'key',
      textField: 'text',
      fields: (key, text) => ({ key, text }),
      seed: async (fields) => {
        const { rows } = await db.admin.query(`INSERT INTO ${qualified} (key, text) VALUES ($1, $2) RETURNING id`, [fields.key, fields.text]);
        return read(String(rows[0].id));
      },
      edit: async (id, fields) => {
        const sets = Object.keys(fields).map((k, i) => `"${k}" = $${i + 2}`);
        await db.admin.query(`UPDATE ${qualified} SET ${sets.join(', ')}, updated_at = clock_timestamp() WHERE id = $1`, [id, ...Object.values(fields)]);
      },
      missingId: '999999999',
      pageSize: 3,
      requestCount: () => requests,
      close: async () => {
        await adapter.close();
        await pool.end();
      },
    };
  };
}

describeSourceAdapterContract('PostgresTableAdapter (soft delete, cursor lag 0)', harness(0));
describeSourceAdapterContract('PostgresTableAdapter (soft delete, default cursor lag)', harness(5));
