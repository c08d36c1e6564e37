import pg from 'pg';
import { ConfigError } from '@syncframe/engine';

/** Alias of the cursor column's exact text in every row a query returns (see {@link PostgresTable.select}). */
export const UPDATED_AT_ALIAS = '__syncframe_updated_at';

/** One column: its name and its type's name (`pg_type.typname`: `int4`, `timestamptz`, `jsonb`…). */
export interface PostgresColumn {
  readonly name: string;
  readonly type: string;
}

/** The side's table as the catalog describes it, with its names quoted once. */
export class PostgresTable {
  /** The quoted, possibly schema-qualified name, ready for SQL. */
  readonly sql: string;
  readonly columns: ReadonlyMap<string, PostgresColumn>;
  /** Quoted id / updated-at / deleted columns. */
  readonly id: string;
  readonly updatedAt: string;
  readonly deleted: string | null;
  /** `timestamptz` or `timestamp`: cursor parameters are cast to it, so the column's index is used. */
  readonly updatedAtType: 'timestamptz' | 'timestamp';
  /** `SELECT` list of every query: all columns and the cursor column's exact text. */
  readonly select: string;

  constructor(
    qualified: string,
    columns: readonly PostgresColumn[],
    readonly names: { readonly id: string; readonly updatedAt: string; readonly deleted: string | undefined },
    where: string,
  ) {
    this.sql = qualified;
    this.columns = new Map(columns.map((c) => [c.name, c]));
    const need = (column: string, option: string) => {
      const found = this.columns.get(column);
      if (!found) throw new ConfigError(`${where}: ${option} "${column}" is not a column of the table (it has: ${columns.map((c) => c.name).join(', ')})`);
      return found;
    };
    need(names.id, 'id_column');
    const updatedAt = need(names.updatedAt, 'updated_at_column');
    if (updatedAt.type !== 'timestamptz' && updatedAt.type !== 'timestamp') {
      throw new ConfigError(`${where}: updated_at_column "${names.updatedAt}" must be a timestamptz (or timestamp) column, not ${updatedAt.type}`);
    }
    this.updatedAtType = updatedAt.type;
    if (names.deleted !== undefined && need(names.deleted, 'deleted_column').type !== 'bool') {
      throw new ConfigError(`${where}: deleted_column "${names.deleted}" must be a boolean column`);
    }
    this.id = pg.escapeIdentifier(names.id);
    this.updatedAt = pg.escapeIdentifier(names.updatedAt);
    this.deleted = names.deleted === undefined ? null : pg.escapeIdentifier(names.deleted);
    // Microseconds kept: the exact value is the keyset of pull pages (sessions run in UTC).
    const utc = this.updatedAtType === 'timestamptz' ? `${this.updatedAt} AT TIME ZONE 'UTC'` : this.updatedAt;
    this.select = `*, to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${pg.escapeIdentifier(UPDATED_AT_ALIAS)}`;
  }

  /** `"schema"."table"` or `"table"` from the option `schema.table` / `table`. */
  static quote(table: string): string {
    return table.split('.').map((part) => pg.escapeIdentifier(part)).join('.');
  }

  /** Column names of `fields` the table does not have. */
  unknownColumns(fields: Record<string, unknown>): string[] {
    return Object.keys(fields).filter((k) => !this.columns.has(k));
  }

  /** A value as a statement parameter: json/jsonb columns get JSON text (pg would send a JS array as a PostgreSQL array). */
  param(column: string, value: unknown): unknown {
    const type = this.columns.get(column)?.type;
    if ((type === 'json' || type === 'jsonb') && value !== null && value !== undefined) return JSON.stringify(value);
    return value === undefined ? null : value;
  }
}

/**
 * Reads the table's columns from the catalog. One row with `found = false` when no such table
 * exists (or the user cannot see it).
 */
export const COLUMNS_SQL = `
  SELECT r.oid IS NOT NULL AS found, a.attname AS name, t.typname AS type
  FROM (SELECT to_regclass($1) AS oid) r
  LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_type t ON t.oid = a.atttypid
  ORDER BY a.attnum`;
