import { describe, expect, it } from 'vitest';
import type { ParsedJobConfig } from '@syncframe/config';
import { desiredSchedulers, diffSchedulers, PRUNE_SCHEDULER_ID } from '@syncframe/fleet';

const job = (id: string, cron: string | null, enabled = true, timezone?: string) =>
  ({ id, enabled, schedule: cron ? { cron, ...(timezone ? { timezone } : {}) } : null }) as unknown as ParsedJobConfig;

describe('scheduler reconciliation', () => {
  it('wants one scheduler per enabled job with a schedule, plus the nightly prune', () => {
    const d = desiredSchedulers([job('a', '*/5 * * * *'), job('b', null), job('c', '0 * * * *', false), job('d', '0 9 * * 1', true, 'Europe/Paris')]);
    expect(d.map((s) => s.id)).toEqual(['sync.a', 'sync.d', PRUNE_SCHEDULER_ID]);
    expect(d[1]).toMatchObject({ pattern: '0 9 * * 1', tz: 'Europe/Paris', data: { kind: 'sync', jobId: 'd' } });
  });

  it('upserts only what is missing or changed, and removes only its own leftovers', () => {
    const desired = desiredSchedulers([job('a', '*/5 * * * *'), job('b', '0 * * * *')]);
    const existing = [
      { key: 'sync.a', pattern: '*/5 * * * *', tz: 'UTC', data: desired[0]!.data },
      { key: 'sync.b', pattern: '*/10 * * * *', tz: 'UTC', data: { kind: 'sync', jobId: 'b', specHash: 'old' } },
      { key: 'sync.gone', pattern: '* * * * *', tz: 'UTC', data: {} },
      { key: 'someone-elses', pattern: '* * * * *', tz: 'UTC', data: {} },
    ];
    const { upsert, remove } = diffSchedulers(desired, existing);
    expect(upsert.map((u) => u.id)).toEqual(['sync.b', PRUNE_SCHEDULER_ID]);
    expect(remove).toEqual(['sync.gone']);
  });

  it('wants a reconciliation scheduler every `reconcile.every` per enabled job that has one, with or without a schedule', () => {
    const withReconcile = (id: string, cron: string | null, everyMs: number, enabled = true) => ({ ...job(id, cron, enabled), reconcile: { everyMs } }) as unknown as ParsedJobConfig;
    const d = desiredSchedulers([withReconcile('a', '*/5 * * * *', 86_400_000), withReconcile('b', null, 3_600_000), withReconcile('c', null, 60_000, false)]);
    expect(d.map((s) => s.id)).toEqual(['sync.a', 'reconcile.a', 'reconcile.b', PRUNE_SCHEDULER_ID]);
    expect(d[2]).toMatchObject({ every: 3_600_000, data: { kind: 'reconcile', jobId: 'b', everyMs: 3_600_000 } });
    const existing = d.map((s) => ({ key: s.id, pattern: s.pattern ?? null, every: s.every ?? null, tz: s.tz ?? null, data: s.data }));
    expect(diffSchedulers(d, existing)).toEqual({ upsert: [], remove: [] });
    const slower = existing.map((e) => (e.key === 'reconcile.b' ? { ...e, every: 60_000 } : e));
    expect(diffSchedulers(d, slower).upsert.map((u) => u.id)).toEqual(['reconcile.b']);
    expect(diffSchedulers([], existing).remove).toEqual(['sync.a', 'reconcile.a', 'reconcile.b', PRUNE_SCHEDULER_ID]);
  });

  it('converges: applying the diff leaves nothing to do', () => {
    const desired = desiredSchedulers([job('a', '*/5 * * * *')]);
    const after = desired.map((d) => ({ key: d.id, pattern: d.pattern, tz: d.tz, data: d.data }));
    expect(diffSchedulers(desired, after)).toEqual({ upsert: [], remove: [] });
  });
});
