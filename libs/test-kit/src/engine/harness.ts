import { randomUUID } from 'node:crypto';
import type { Link, LinkIndex, MapperFn, RetrySettings, SettleSettings, SyncCycleDeps, SyncCycleOptions, SyncJob, ThrottleSettings } from '@syncframe/engine';
import { runSyncCycle } from '@syncframe/engine';
import { FakeClock } from './fake-clock.js';
import { InMemoryAdapter } from './in-memory-adapter.js';
import { InMemoryLinkIndex } from './in-memory-link-index.js';
import { JsonRecordSpool } from './json-record-spool.js';
import type { InMemoryAdapterOptions } from './in-memory-adapter.js';

/** Source (Airtable-like) fields Name/Slug/Notes ↔ destination (Webflow-like) name/slug/notes. */
export const toDest: MapperFn = (r) => ({
  fields: { name: r.fields.Name ?? null, slug: r.fields.Slug ?? null, notes: r.fields.Notes ?? null },
});
export const toSource: MapperFn = (r) => ({
  fields: { Name: r.fields.name ?? null, Slug: r.fields.slug ?? null, Notes: r.fields.notes ?? null },
});

export interface Harness {
  clock: FakeClock;
  /** The spool of each run so far (with `spillAfter`). */
  spools: JsonRecordSpool[];
  source: InMemoryAdapter;
  dest: InMemoryAdapter;
  linkIndex: LinkIndex;
  /** The in-memory LinkIndex, when the harness uses one (request counting). */
  memory: InMemoryLinkIndex | null;
  job: SyncJob;
  /** Every link of the job's tables (tombstones included). */
  links(): Promise<Link[]>;
  run(options?: SyncCycleOptions, deps?: Partial<SyncCycleDeps>): ReturnType<typeof runSyncCycle>;
}

export interface HarnessOptions {
  match?: boolean;
  conflictPolicy?: SyncJob['conflictPolicy'];
  /** With `conflictPolicy: 'field_merge'`. */
  fieldConflict?: SyncJob['fieldConflict'];
  retries?: Partial<RetrySettings>;
  throttle?: Partial<ThrottleSettings>;
  pageSize?: number;
  /** Awaited by both adapters before every answer (out-of-order completion). */
  responseDelay?: InMemoryAdapterOptions['responseDelay'];
  mappers?: Partial<SyncJob['mappers']>;
  /** A shared store (PostgreSQL, PGlite): the harness then uses a unique job id and table names. */
  linkIndex?: LinkIndex;
  /** Records a run plans (and pushes) together: small values cross chunk boundaries in small tests. */
  planChunkItems?: number;
  /** Runs spill every pulled record beyond this many to a {@link JsonRecordSpool} (`spool`). */
  spillAfter?: number;
  /** The job's delete brake. @defaultValue none */
  deleteBrake?: SyncJob['deleteBrake'];
  /** Edit settling per side (`settle_sec`, `settle_max_sec`). */
  settle?: { readonly source?: SettleSettings; readonly dest?: SettleSettings };
}

export function harness(options: HarnessOptions = {}): Harness {
  const clock = new FakeClock();
  const suffix = options.linkIndex ? `-${randomUUID().slice(0, 8)}` : '';
  const delay = options.responseDelay ? { responseDelay: options.responseDelay } : {};
  const source = new InMemoryAdapter({ adapter: 'memory-a', table: `Videos${suffix}`, clock, idPrefix: 'rec', pageSize: options.pageSize ?? 100, ...delay });
  const dest = new InMemoryAdapter({ adapter: 'memory-b', table: `videos${suffix}`, clock, idPrefix: 'item', pageSize: options.pageSize ?? 100, ...delay });
  const memory = options.linkIndex ? null : new InMemoryLinkIndex();
  const linkIndex: LinkIndex = options.linkIndex ?? memory!;
  const throttle: ThrottleSettings = { max_reqs: 1000, interval_sec: 1, batch_size: 10, ...options.throttle };
  const job: SyncJob = {
    id: `videos${suffix}`,
    source: { name: 'airtable', adapter: source, throttle, ...(options.settle?.source ? { settle: options.settle.source } : {}) },
    dest: { name: 'webflow', adapter: dest, throttle, ...(options.settle?.dest ? { settle: options.settle.dest } : {}) },
    mappers: { toDest, toSource, ...options.mappers },
    retries: { max_attempts: 3, backoff_sec: 1, disable_job_after: 3, ...options.retries },
    conflictPolicy: options.conflictPolicy ?? 'last_writer_wins',
    ...(options.fieldConflict ? { fieldConflict: options.fieldConflict } : {}),
    ...(options.match ? { match: { source: 'Slug', dest: 'slug' } } : {}),
    ...(options.deleteBrake !== undefined ? { deleteBrake: options.deleteBrake } : {}),
  };
  const spools: JsonRecordSpool[] = [];
  return {
    clock, spools, source, dest, linkIndex, memory, job,
    links: () => linkIndex.findLinks({ source: source.ref, dest: dest.ref }, 'source', source.all().map((r) => r.id)),
    run: (opts = {}, deps = {}) => {
      clock.advance(1000);
      const chunk = options.planChunkItems !== undefined ? { planChunkItems: options.planChunkItems } : {};
      const spill = options.spillAfter !== undefined ? { spillAfter: options.spillAfter } : {};
      const openSpool = async () => {
        const spool = new JsonRecordSpool();
        spools.push(spool);
        return spool;
      };
      return runSyncCycle(job, { linkIndex, clock, ...(options.spillAfter !== undefined ? { openSpool } : {}), ...deps }, { trigger: 'test', ...chunk, ...spill, ...opts });
    },
  };
}

/**
 * Fields of the live records of a side, as comparable rows (ids dropped), sorted. Empty values
 * compare equal, as the engine treats them (remotes omit empty cells).
 */
export function contents(adapter: InMemoryAdapter, keys: string[]): string[] {
  const value = (v: unknown) => (v === undefined || v === '' || v === false ? null : v);
  return adapter
    .live()
    .map((r) => JSON.stringify(keys.map((k) => value(r.fields[k]))))
    .sort();
}
