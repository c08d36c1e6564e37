import { ConfigError } from '@syncframe/engine';

/** Which store backs the link index. */
export type LinkIndexDriver = 'postgres' | 'pglite' | 'memory';

/** Where the link index lives (the `linkindex` section of the SyncFrame config). */
export interface LinkIndexConfig {
  /** `postgres` for a fleet; `pglite` for one process on one machine; `memory` for tests (lost on exit). */
  readonly driver: LinkIndexDriver;
  /**
   * `postgres`: the DSN, `postgres://user:password@host:port/database` (required).
   * `pglite`: the data folder (a path or `file://` URL), created if missing; `memory://` for an in-memory database. @defaultValue './.syncframe/pglite'
   * `memory`: ignored.
   */
  readonly conn?: string;
  /**
   * PostgreSQL schema holding every table (and the migrations journal), created if missing.
   * Lets several SyncFrames, or test suites, share one database. @defaultValue 'public'
   */
  readonly schema?: string;
}

/** Default data folder of the `pglite` driver, relative to the working directory. */
export const DEFAULT_PGLITE_DIR = './.syncframe/pglite';
/** Default PostgreSQL schema. */
export const DEFAULT_SCHEMA = 'public';

// A plain identifier only: the name goes into `search_path` and into DDL, so nothing needs quoting rules.
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The schema to use, checked. */
export function schemaOf(config: LinkIndexConfig): string {
  const schema = config.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigError(`invalid link index schema "${schema}": use letters, digits and _ (at most 63, not starting with a digit)`);
  }
  return schema;
}

/** `"name"`: the schema as an SQL identifier (safe, `schemaOf` allows no quote). */
export function quoteSchema(schema: string): string {
  return `"${schema}"`;
}
