import path from 'node:path';
import { ConfigError } from '@syncframe/engine';

// The one place for what a link index location is, its defaults and its checks. @syncframe/config imports
// this module alone (`@syncframe/linkindex/config`, no database driver behind it) to validate the config
// file's `linkindex` section with the same rules.

/** Which store backs the link index. */
export type LinkIndexDriver = 'postgres' | 'pglite' | 'sqlite' | 'memory';

/** Where the link index lives (the `linkindex` section of the SyncFrame config). */
export interface LinkIndexConfig {
  /** `postgres` for a fleet; `pglite` or `sqlite` for one process on one machine; `memory` for tests (lost on exit). */
  readonly driver: LinkIndexDriver;
  /**
   * `postgres`: the DSN, `postgres://user:password@host:port/database` (required).
   * `pglite`: the data folder (a path or `file://` URL), created if missing; `memory://` for an in-memory database. @defaultValue './.syncframe/pglite'
   * `sqlite`: the database file (a path or `file:` URL), created if missing. @defaultValue './syncframe.db'
   * `memory`: ignored.
   */
  readonly conn?: string;
  /**
   * PostgreSQL schema holding every table (and the migrations journal), created if missing.
   * Lets several SyncFrames, or test suites, share one database. Ignored by `sqlite` (one file is one
   * link index). @defaultValue 'public'
   */
  readonly schema?: string;
}

/**
 * Default data folder of the `pglite` driver. @syncframe/config resolves it against the config
 * file's folder; a caller of this package that gives no `conn` gets it against the working directory.
 */
export const DEFAULT_PGLITE_DIR = './.syncframe/pglite';

/** `memory://`, `file://…`, `idb://…`: PGlite data-dir URLs, kept as they are. */
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The PGlite data folder of `conn` (default {@link DEFAULT_PGLITE_DIR}): a path made absolute against `baseDir`, or a URL as is. */
export function resolvePgliteDir(conn: string | undefined, baseDir: string): string {
  const dir = conn ?? DEFAULT_PGLITE_DIR;
  return URL_PATTERN.test(dir) ? dir : path.resolve(baseDir, dir);
}
/**
 * Default database file of the `sqlite` driver. @syncframe/config resolves it against the config
 * file's folder; a caller of this package that gives no `conn` gets it against the working directory.
 */
export const DEFAULT_SQLITE_FILE = './syncframe.db';

/** The SQLite database file of `conn` (default {@link DEFAULT_SQLITE_FILE}): a path made absolute against `baseDir`, or a `file:` URL as is. */
export function resolveSqliteFile(conn: string | undefined, baseDir: string): string {
  const file = conn ?? DEFAULT_SQLITE_FILE;
  return /^file:/i.test(file) ? file : path.resolve(baseDir, file);
}

/** Default PostgreSQL schema. */
export const DEFAULT_SCHEMA = 'public';

/** A plain PostgreSQL identifier: the schema name goes into `search_path` and into DDL, so nothing needs quoting rules. */
export const SCHEMA_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The schema to use, checked. */
export function schemaOf(config: LinkIndexConfig): string {
  const schema = config.schema ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME_PATTERN.test(schema)) {
    throw new ConfigError(`invalid link index schema "${schema}": use letters, digits and _ (at most 63, not starting with a digit)`);
  }
  return schema;
}

/** `"name"`: the schema as an SQL identifier (safe, `schemaOf` allows no quote). */
export function quoteSchema(schema: string): string {
  return `"${schema}"`;
}
