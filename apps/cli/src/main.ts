import { parseArgs } from 'node:util';
import { isConfigFileError } from '@syncframe/config';
import { isConfigError } from '@syncframe/engine';
import type { CliContext } from './cli-context.js';
import { createCliContext, EXIT, UsageError } from './cli-context.js';
import { processCommand } from './commands/process-commands.js';
import { enqueueCommand } from './commands/queue-commands.js';
import { demoCommand } from './demo/demo-command.js';
import { linkindexCommand } from './commands/linkindex-commands.js';
import { deletesCommand } from './commands/deletes-commands.js';
import { explainCommand } from './commands/explain.js';
import { conflictsCommand, jobsCommand, migrateCommand, pruneCommand } from './commands/store-commands.js';
import { syncCommand } from './commands/sync.js';
import { validateCommand } from './commands/validate.js';

export const HELP = `syncframe — two-way sync for SaaS tables

Usage: syncframe <command> [options]

Commands:
  demo [--keep]                     see SyncFrame sync a local Airtable base and Webflow site (no account needed);
                                    --keep leaves the local APIs running
  validate                          check the config: exit 0, or 2 with every error (FILE:LINE:COL)
  sync --job ID [--dry-run] [--reconcile]
                                    run one cycle in this process, no Redis needed
                                    (exit 0 success, 3 partial, 1 failed; --dry-run prints the plan and writes nothing;
                                    --reconcile also lists every id to find records deleted for good)
  enqueue --job ID [--reconcile]    enqueue an ad-hoc run for the workers (REDIS_URL)
  explain --job ID --record ID      why a record did (not) sync, by either side's id: link, partner,
                                    last sync, conflicts, pending deletes, failures, next run
  migrate                           apply the LinkIndex migrations
  linkindex copy --from X --to DSN  carry links, cursors, conflicts and runs from PGlite, SQLite (or PostgreSQL)
                                    into an empty PostgreSQL store, for a fleet; counts verified
  prune [--older-than 30d]          delete run records older than the age (d, h or m)
  jobs list                         jobs with their state, fail counts and last run
  jobs enable ID | jobs disable ID  enabling resets the fail counts
  conflicts list [--job ID]         open conflicts
  conflicts resolve ID --keep source|dest
                                    decide a conflict; the job's next run applies it
  deletes list [--job ID]           deletes the delete brake held back, waiting for a decision
  deletes approve|reject --job ID (DELETE_ID… | --all)
                                    decide them; the job's next run carries it out
  scheduler                         run the scheduler (BullMQ job schedulers for the jobs)
  worker                            run a worker (runs the engine; scale horizontally)
  board [--port N]                  run the board: Bull Board and the HTTP API (SYNCFRAME_API_TOKEN)

Options:
  --config FILE   the JSONC config (default: $SYNCFRAME_CONFIG)
  <command> --help   what one command does, and its options
  --json          machine-readable output (validate, jobs list, conflicts list, deletes list, sync, explain)
  -h, --help      this help

Environment: SYNCFRAME_CONFIG, REDIS_URL (default redis://127.0.0.1:6379), LOG_LEVEL, and the
variables the config names with \${VAR}.`;

/** `syncframe <command> --help`. */
export const COMMAND_HELP: Record<string, string> = {
  demo: `Usage: syncframe demo [--keep]

Starts a local Airtable base and Webflow site in this process (SyncFrame's fakes of both HTTP APIs,
used through the real adapters), seeds Authors and Videos, and syncs them both ways on the
embedded PGlite store: creates, a reference and an image carried across, edits on each side, a
conflict decided, echoes skipped. Needs no account and no network.
  --keep   leave the local APIs running (Ctrl-C stops them) and print their URLs and config`,
  validate: `Usage: syncframe validate --config FILE [--json]

Checks the config: every error with FILE:LINE:COL and the key, mapper modules loaded, \${VAR}s set.
Exit 0 when valid, 2 otherwise. --json prints the jobs (or { valid: false, errors }) on stdout.`,
  sync: `Usage: syncframe sync --job ID --config FILE [--dry-run] [--reconcile] [--json]

Runs one cycle of one job in this process (no Redis needed): pulls both sides, maps, pushes.
Prints what it did per side and per rate-limited account; progress and waits go to stderr.
  --dry-run   plan only: print what each record would do, write nothing
  --reconcile also list every id of both sides: a linked record that is gone (deleted for good)
              has its partner deleted, within the job's delete brake
  --json      the run summary (or the plan) as JSON
Exit 0 success, 3 partial (some records failed alone), 1 failed, 2 usage or config error.
A host that does not resolve or refuses connections fails at once; other transient errors are
retried with back-off (the job's retries), and the wait is shown.`,
  enqueue: `Usage: syncframe enqueue --job ID --config FILE [--reconcile]

Queues an ad-hoc run of the job for the workers (REDIS_URL). A run already queued absorbs it.
  --reconcile   a reconciling run (lists every id to find records deleted for good)`,
  explain: `Usage: syncframe explain --job ID --record RECORD_ID --config FILE [--json]

Why a record did (not) sync, by either side's id (Airtable rec…, Webflow item id): its link and
partner, when it last synced and in which run, whether it changed since (and which fields differ
from its partner), open conflicts, pending deletes, the errors it met and whether it is still
retried, edit settling, and what the next run that pulls it would do (the planner, dry). Reads
both remotes and the LinkIndex; writes nothing. Exit 0, or 1 when neither side knows the id.`,
  migrate: `Usage: syncframe migrate --config FILE

Applies the LinkIndex migrations (safe to run from several processes at once).`,
  linkindex: `Usage: syncframe linkindex copy --from <PGlite folder, SQLite file (*.db, *.sqlite) or postgres:// DSN> --to <postgres:// DSN> [--from-schema S] [--to-schema S] [--json]

Moving from one process to a fleet: carries links, cursors, job state, conflicts and run history
into an empty PostgreSQL store (both are migrated first), in one transaction, then compares the
row counts of every table. Stop the process using the old store first.`,
  prune: `Usage: syncframe prune --config FILE [--older-than 30d]

Deletes run records older than the age (d, h or m).`,
  jobs: `Usage: syncframe jobs list|enable ID|disable ID --config FILE [--json]

list: each job's state, fail counts and last run. enable resets the fail counts.`,
  conflicts: `Usage: syncframe conflicts list [--job ID] | conflicts resolve ID --keep source|dest --config FILE

Conflicts recorded under conflict_policy "manual"; the job's next run applies the kept side.`,
  deletes: `Usage: syncframe deletes list [--job ID] [--json] | deletes approve|reject --job ID (DELETE_ID… | --all) --config FILE

When one run would delete more records than the job's delete_brake allows, it deletes none: each
waits here. approve: the job's next run deletes them (reading each record first; the run summary
keeps its content). reject: both records stay, and the delete is not proposed again (a record
deleted for good has its link let go). A record that reappears cancels its pending delete.`,
  scheduler: `Usage: syncframe scheduler --config FILE

Keeps one BullMQ job scheduler per scheduled job (REDIS_URL); reloads on SIGHUP and file change.`,
  worker: `Usage: syncframe worker --config FILE

Runs queued syncs (REDIS_URL, a postgres linkindex). Health on SYNCFRAME_HEALTH_PORT (/livez, /readyz).`,
  board: `Usage: syncframe board --config FILE [--port N]

Bull Board at /board, the HTTP API at /api, a page at /, /healthz and /metrics. Needs SYNCFRAME_API_TOKEN.`,
};

type Command = (ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  validate: validateCommand,
  sync: syncCommand,
  enqueue: enqueueCommand,
  migrate: migrateCommand,
  linkindex: linkindexCommand,
  prune: pruneCommand,
  jobs: jobsCommand,
  conflicts: conflictsCommand,
  deletes: deletesCommand,
  explain: explainCommand,
  scheduler: (ctx) => processCommand(ctx, 'scheduler'),
  worker: (ctx) => processCommand(ctx, 'worker'),
  board: (ctx) => processCommand(ctx, 'board'),
};

/** Runs the CLI and returns the exit code; prints through `io`. */
export async function runCli(
  argv: string[], env: NodeJS.ProcessEnv = process.env,
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' }, job: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' },
        reconcile: { type: 'boolean' }, all: { type: 'boolean' }, record: { type: 'string' },
        'older-than': { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        from: { type: 'string' }, to: { type: 'string' }, 'from-schema': { type: 'string' }, 'to-schema': { type: 'string' },
        // `demo --keep` is a flag; `conflicts resolve ID --keep source|dest` takes a value.
        keep: { type: argv[0] === 'demo' ? 'boolean' : 'string' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\nRun \`syncframe --help\` for usage.`);
    return EXIT.usage;
  }
  const name = parsed.positionals[0];
  if (parsed.values.help && name && COMMAND_HELP[name]) {
    io.out(COMMAND_HELP[name]!);
    return EXIT.ok;
  }
  if (parsed.values.help || !name) {
    (name || parsed.values.help ? io.out : io.err)(HELP);
    return parsed.values.help ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`unknown command "${name}"\n\nRun \`syncframe --help\` for usage.`);
    return EXIT.usage;
  }
  const ctx = createCliContext(parsed as CliContext['args'], env, io);
  try {
    return await command(ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      return EXIT.usage;
    }
    if (isConfigFileError(err) || isConfigError(err)) {
      io.err(err.message);
      return EXIT.usage;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  } finally {
    await ctx.close();
  }
}

/**
 * The process entry (bin/syncframe.js calls it): runs the command and exits with its code. Long-running
 * commands resolve after a clean stop; leftover handles must not keep the process alive then.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const code = await runCli(argv);
  process.exitCode = code;
  if (['scheduler', 'worker', 'board'].includes(argv[0] ?? '')) setTimeout(() => process.exit(code), 100).unref();
}
