import type { JobConfig, SideConfig } from '@syncframe/config';
import { adapterPluginOf } from '@syncframe/config';
import type { JobSide, Logger, SourceAdapter, SyncJob, TableRef } from '@syncframe/engine';
import { DEFAULT_THROTTLE } from '@syncframe/engine';

export interface BuildOptions {
  readonly logger?: Logger;
  /** Per-request timeout of the sides whose config sets none (a side's `timeout_sec` wins). */
  readonly timeoutMs?: number;
  /** Adapters to use instead of building them, by `<job id>/<side name>` (tests inject instrumented ones). */
  readonly sideAdapters?: ReadonlyMap<string, SourceAdapter>;
}

/** The table a side's adapter reports as its `ref` (how links, cursors and fail counts are keyed), without building the adapter. */
export function sideRef(side: SideConfig): TableRef {
  return { adapter: side.plugin, table: side.table };
}

/** The adapter of one side, built by its plug-in from the side's resolved options (credentials included). */
export function createAdapter(side: SideConfig, jobId: string, options: BuildOptions = {}): SourceAdapter {
  const injected = options.sideAdapters?.get(`${jobId}/${side.name}`);
  if (injected) return injected;
  return adapterPluginOf(side).create(side.options, {
    jobId,
    sideName: side.name,
    configDir: side.configDir,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger.child({ side: side.name }) } : {}),
  });
}

/** `settle_max_sec` defaults to this many times `settle_sec`. */
export const SETTLE_MAX_FACTOR = 10;

/** A side's edit settling, when its `settle_sec` is above 0. */
export function settleOf(side: SideConfig): Pick<JobSide, 'settle'> {
  const sec = side.settle_sec ?? 0;
  return sec > 0 ? { settle: { sec, maxSec: side.settle_max_sec ?? sec * SETTLE_MAX_FACTOR } } : {};
}

/**
 * A config job made runnable. Throttle: the config's `throttle` when given, else the adapter's own
 * limits (the adapter's, else its plug-in's `defaultThrottle`), else `DEFAULT_THROTTLE` (50
 * requests a minute, batches of 10).
 */
export function buildSyncJob(config: JobConfig, options: BuildOptions = {}): SyncJob {
  const side = (s: SideConfig): JobSide => {
    const adapter = createAdapter(s, config.id, options);
    return { name: s.name, adapter, throttle: s.throttle ?? adapter.defaultThrottle ?? adapterPluginOf(s).defaultThrottle ?? DEFAULT_THROTTLE, ...settleOf(s) };
  };
  return {
    id: config.id,
    source: side(config.source),
    dest: side(config.dest),
    mappers: { toDest: config.mappers.toDest, toSource: config.mappers.toSource },
    retries: config.retries,
    conflictPolicy: config.conflictPolicy,
    ...(config.fieldConflict ? { fieldConflict: config.fieldConflict } : {}),
    ...(config.match ? { match: config.match } : {}),
    deleteBrake: config.deleteBrake,
  };
}
