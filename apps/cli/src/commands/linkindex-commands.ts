import { resolve } from 'node:path';
import type { LinkIndexConfig } from '@syncframe/linkindex';
import { copyLinkIndex } from '@syncframe/linkindex';
import type { CliContext } from '../cli-context.js';
import { EXIT, UsageError } from '../cli-context.js';

const USAGE = 'usage: syncframe linkindex copy --from <PGlite folder, SQLite file (*.db, *.sqlite) or postgres:// DSN> --to <postgres:// DSN> [--from-schema S] [--to-schema S]';

/**
 * `syncframe linkindex copy --from … --to …`: carries links, cursors, job state, conflicts and run
 * history from one store (the embedded PGlite a single process used) into an empty PostgreSQL
 * one, for a fleet; prints the row counts of both, which must agree.
 */
export async function linkindexCommand(ctx: CliContext): Promise<number> {
  const [, sub] = ctx.args.positionals;
  if (sub !== 'copy') throw new UsageError(USAGE);
  const from = storeOf(ctx.args.values.from, ctx.args.values['from-schema']);
  const to = storeOf(ctx.args.values.to, ctx.args.values['to-schema']);
  if (to.driver !== 'postgres') throw new UsageError(`--to must be a postgres:// DSN (a fleet's store)\n${USAGE}`);
  ctx.err(`copying ${describe(from)} → ${describe(to)}…`);
  const report = await copyLinkIndex(from, to, { onProgress: (table, n) => ctx.err(`  ${table}: ${n} row${n === 1 ? '' : 's'}`) });
  if (ctx.args.values.json) {
    ctx.out(JSON.stringify(report, null, 2));
    return EXIT.ok;
  }
  const width = Math.max(...report.map((r) => r.table.length), 5);
  ctx.out(`${'table'.padEnd(width)}  ${'from'.padStart(8)}  ${'to'.padStart(8)}`);
  for (const r of report) ctx.out(`${r.table.padEnd(width)}  ${String(r.source).padStart(8)}  ${String(r.destination).padStart(8)}`);
  ctx.out('copied; the counts agree. Point the config\'s linkindex at the new store (driver "postgres").');
  return EXIT.ok;
}

function storeOf(value: string | boolean | undefined, schema: string | boolean | undefined): LinkIndexConfig {
  if (typeof value !== 'string' || value === '') throw new UsageError(USAGE);
  const withSchema = typeof schema === 'string' ? { schema } : {};
  if (/^postgres(ql)?:\/\//.test(value)) return { driver: 'postgres', conn: value, ...withSchema };
  // A SQLite store is one file; a PGlite store is a folder.
  if (/\.(db|sqlite3?)$/i.test(value)) return { driver: 'sqlite', conn: resolve(value) };
  return { driver: 'pglite', conn: resolve(value), ...withSchema };
}

/** A store for a message: a DSN without its password. */
function describe(store: LinkIndexConfig): string {
  if (store.driver === 'sqlite') return `SQLite at ${store.conn}`;
  if (store.driver !== 'postgres') return `PGlite at ${store.conn}`;
  try {
    const url = new URL(store.conn!);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}${store.schema ? ` (schema ${store.schema})` : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}
