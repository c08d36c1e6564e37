import { createAirtableAdapter } from '@syncframe/adapter-airtable';
import { createWebflowAdapter } from '@syncframe/adapter-webflow';
import type { JobConfig, SideConfig } from '@syncframe/config';
import { adapterPluginOf } from '@syncframe/config';
import type { JobSide, Logger, SourceAdapter, SyncJob, TableRef } from '@syncframe/engine';
import { DEFAULT_THROTTLE } from '@syncframe/engine';
import { MemoryAdapter } from './memory-adapter.js';

export interface BuildOptions {
  readonly logger?: Logger;
  /** Per-request timeout of the HTTP adapters whose side sets no `timeout_sec`. */
  readonly timeoutMs?: number;
  /** Adapters for `memory` sides (tests inject the test kit's InMemoryAdapter); by default a fresh empty MemoryAdapter per side. */
  readonly memoryAdapters?: ReadonlyMap<string, SourceAdapter>;
}

/** The table a side's adapter reports as its `ref` (how links, cursors and fail counts are keyed), without building the adapter. */
export function sideRef(side: SideConfig): TableRef {
  if (side.adapter === 'plugin') return { adapter: side.plugin, table: side.table };
  return { adapter: side.adapter, table: side.adapter === 'webflow' ? side.collection : side.table };
}

/** The adapter of one side, with the side's credentials from the resolved config. */
export function createAdapter(side: SideConfig, jobId: string, options: BuildOptions = {}): SourceAdapter {
  const timeoutMs = (side.adapter === 'airtable' || side.adapter === 'webflow') && side.timeout_sec ? side.timeout_sec * 1000 : options.timeoutMs;
  const wiring = {
    jobId,
    sideName: side.name,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(options.logger ? { logger: options.logger.child({ side: side.name }) } : {}),
  };
  switch (side.adapter) {
    case 'airtable':
      return createAirtableAdapter({
        table: side.table, creds: side.creds, typecast: side.typecast, hard_delete: side.hard_delete,
        ...(side.api_url ? { api_url: side.api_url } : {}),
        ...(side.last_modified_field ? { last_modified_field: side.last_modified_field } : {}),
        ...(side.soft_delete_field ? { soft_delete_field: side.soft_delete_field } : {}),
        ...wiring,
      });
    case 'webflow':
      return createWebflowAdapter({
        collection: side.collection, creds: side.creds, publish: side.publish, hard_delete: side.hard_delete,
        ...(side.api_url ? { api_url: side.api_url } : {}),
        ...wiring,
      });
    case 'memory':
      return options.memoryAdapters?.get(`${jobId}/${side.name}`) ??
        new MemoryAdapter({ table: side.table, deleteMode: side.hard_delete ? 'hard' : 'soft' });
    case 'plugin':
      return adapterPluginOf(side).create(side.options, { ...wiring, configDir: side.configDir });
  }
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
 * API limits, else `DEFAULT_THROTTLE` (50 requests a minute, batches of 10).
 */
export function buildSyncJob(config: JobConfig, options: BuildOptions = {}): SyncJob {
  const side = (s: SideConfig): JobSide => {
    const adapter = createAdapter(s, config.id, options);
    const pluginDefault = s.adapter === 'plugin' ? adapterPluginOf(s).defaultThrottle : undefined;
    return { name: s.name, adapter, throttle: s.throttle ?? adapter.defaultThrottle ?? pluginDefault ?? DEFAULT_THROTTLE, ...settleOf(s) };
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
