import type { LoadedConfig } from '@syncframe/config';
import { loadConfig } from '@syncframe/config';
import type { Logger } from '@syncframe/engine';
import { createLogger } from '@syncframe/engine';
import { BUILTIN_ADAPTER_PLUGINS } from '@syncframe/builtin-adapters';
import pretty from 'pino-pretty';
import type { LinkIndexStore } from '@syncframe/linkindex';
import { openLinkIndex } from '@syncframe/linkindex';

/** Exit codes: 0 ok, 1 failed, 2 usage or config error, 3 partial run. */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3 } as const;

/** A usage mistake: printed with a hint, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string) {
    super(message);
  }
}

export interface CliContext {
  readonly args: { readonly positionals: string[]; readonly values: Record<string, string | boolean | undefined> };
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /**
   * Logs on stderr, so stdout stays for results: human lines on a terminal, pino JSON otherwise
   * (or always with `LOG_FORMAT=json`). The fleet's processes log JSON on their own.
   */
  readonly logger: Logger;
  config(): Promise<LoadedConfig>;
  /** The LinkIndex of the config (migrated); closed when the command ends. */
  store(): Promise<LinkIndexStore>;
  close(): Promise<void>;
}

export function createCliContext(
  args: CliContext['args'], env: NodeJS.ProcessEnv, io: { out: (l: string) => void; err: (l: string) => void },
): CliContext {
  const human = process.stderr.isTTY === true && env.LOG_FORMAT !== 'json';
  const destination = human
    ? pretty({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', sync: true })
    : process.stderr;
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn', destination });
  let config: Promise<LoadedConfig> | null = null;
  let store: Promise<LinkIndexStore> | null = null;
  const configPath = (args.values.config as string | undefined) ?? env.SYNCFRAME_CONFIG;
  return {
    args, env, logger, ...io,
    config() {
      if (!configPath) throw new UsageError('no config: pass --config FILE or set SYNCFRAME_CONFIG');
      return (config ??= loadConfig(configPath, { env, adapters: BUILTIN_ADAPTER_PLUGINS }));
    },
    store() {
      return (store ??= this.config().then(async (c) => (await openLinkIndex(c.linkindex, { migrate: true })).linkIndex));
    },
    async close() {
      if (store) await (await store.catch(() => null))?.close();
    },
  };
}

/** The job of the config named by `--job`. */
export async function requireJob(ctx: CliContext) {
  const id = ctx.args.values.job as string | undefined;
  if (!id) throw new UsageError('--job ID is required');
  const config = await ctx.config();
  const job = config.jobs.find((j) => j.id === id);
  if (!job) throw new UsageError(`no job "${id}" in ${config.file} (jobs: ${config.jobs.map((j) => j.id).join(', ') || 'none'})`);
  return job;
}
