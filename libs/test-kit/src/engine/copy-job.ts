import type { SourceAdapter, SyncJob } from '@syncframe/engine';

/**
 * A job copying Name/Slug/Notes ↔ name/slug/notes between two sides with a budget nothing reaches
 * and no retries: what the benchmarks time, so only the engine's own work is measured.
 */
export function copyJob(source: SourceAdapter, dest: SourceAdapter, options: { id?: string; batchSize?: number } = {}): SyncJob {
  const throttle = { max_reqs: 1_000_000, interval_sec: 1, batch_size: options.batchSize ?? 100 };
  return {
    id: options.id ?? 'bench',
    source: { name: 'a', adapter: source, throttle },
    dest: { name: 'b', adapter: dest, throttle },
    mappers: {
      toDest: (r) => ({ fields: { name: r.fields.Name, slug: r.fields.Slug, notes: r.fields.Notes } }),
      toSource: (r) => ({ fields: { Name: r.fields.name, Slug: r.fields.slug, Notes: r.fields.notes } }),
    },
    retries: { max_attempts: 1, backoff_sec: 0, disable_job_after: 10 },
    conflictPolicy: 'last_writer_wins',
  };
}
