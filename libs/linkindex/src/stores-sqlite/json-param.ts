import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';

/**
 * A list bound as one JSON text parameter, for `json_each`: SQLite's stand-in for PostgreSQL's
 * array parameters (one parameter whatever the length).
 */
export function jsonParam(values: readonly unknown[]): SQL {
  return sql`${JSON.stringify(values)}`;
}
