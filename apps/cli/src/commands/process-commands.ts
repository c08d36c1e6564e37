import type { CliContext } from '../cli-context.js';
import { UsageError } from '../cli-context.js';

type Closable = { close(): Promise<void> };

/**
 * The long-running processes. SIGTERM/SIGINT stop them gracefully (the worker lets its runs finish
 * within the grace period), then the process exits 0.
 */
export async function processCommand(ctx: CliContext, name: 'scheduler' | 'worker' | 'board'): Promise<number> {
  const configPath = (ctx.args.values.config as string | undefined) ?? ctx.env.SYNCFRAME_CONFIG;
  if (!configPath) throw new UsageError('no config: pass --config FILE or set SYNCFRAME_CONFIG');
  const logger = ctx.logger;
  let handle: Closable;
  if (name === 'worker') {
    const { startWorker } = await import('@syncframe/worker');
    handle = await startWorker({ configPath, env: ctx.env });
  } else if (name === 'scheduler') {
    const { startScheduler } = await import('@syncframe/scheduler');
    handle = await startScheduler({ configPath, env: ctx.env });
  } else {
    const { startBoard } = await import('@syncframe/board');
    const port = ctx.args.values.port ? Number(ctx.args.values.port) : undefined;
    const board = await startBoard({ configPath, env: ctx.env, ...(port !== undefined ? { port } : {}) });
    ctx.err(`board listening on ${board.url}`);
    handle = board;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, `${name} stopping`);
      handle.close().then(() => resolve(0), (err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, `${name} did not stop cleanly`);
        resolve(1);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
