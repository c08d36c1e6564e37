import { parseArgs } from 'node:util';
import { isConfigFileError } from '@syncframe/config';
import { isConfigError } from '@syncframe/engine';
import type { CliContext } from './cli-context.js';
import { createCliContext, EXIT, UsageError } from './cli-context.js';
import { processCommand } from './commands/process-commands.js';
import { enqueueCommand } from './commands/queue-commands.js';
import { demoCommand } from './demo/demo-command.js';
import { conflictsCommand, jobsCommand, migrateCommand, pruneCommand } from './commands/store-commands.js';
import { syncCommand } from './commands/sync.js';
import { validateCommand } from './commands/validate.js';

export const HELP = `syncframe — two-way sync for SaaS tables

Usage: syncframe <command> [options]

Commands:
  demo [--keep]                     see SyncFrame sync a local Airtable base and Webflow site (no account needed);
                                    --keep leaves the local APIs running
  validate                          check the config: exit 0, or 2 with every error (FILE:LINE:COL)
  sync --job ID [--dry-run]         run one cycle in this process, no Redis needed
                                    (exit 0 success, 3 partial, 1 failed; --dry-run prints the plan and writes nothing)
  enqueue --job ID                  enqueue an ad-hoc run for the workers (REDIS_URL)
  migrate                           apply the LinkIndex migrations
  prune [--older-than 30d]          delete run records older than the age (d, h or m)
  jobs list                         jobs with their state, fail counts and last run
  jobs enable ID | jobs disable ID  enabling resets the fail counts
  conflicts list [--job ID]         open conflicts
  conflicts resolve ID --keep source|dest
                                    decide a conflict; the job's next run applies it
  scheduler                         run the scheduler (BullMQ job schedulers for the jobs)
  worker                            run a worker (runs the engine; scale horizontally)
  board [--port N]                  run the board: Bull Board and the HTTP API (SYNCFRAME_API_TOKEN)

Options:
  --config FILE   the JSONC config (default: $SYNCFRAME_CONFIG)
  --json          machine-readable output (validate, jobs list, conflicts list, sync)
  -h, --help      this help

Environment: SYNCFRAME_CONFIG, REDIS_URL (default redis://127.0.0.1:6379), LOG_LEVEL, and the
variables the config names with \${VAR}.`;

type Command = (ctx: CliContext) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  validate: validateCommand,
  sync: syncCommand,
  enqueue: enqueueCommand,
  migrate: migrateCommand,
  prune: pruneCommand,
  jobs: jobsCommand,
  conflicts: conflictsCommand,
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
        'older-than': { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        // `demo --keep` is a flag; `conflicts resolve ID --keep source|dest` takes a value.
        keep: { type: argv[0] === 'demo' ? 'boolean' : 'string' },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\nRun \`syncframe --help\` for usage.`);
    return EXIT.usage;
  }
  const name = parsed.positionals[0];
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
