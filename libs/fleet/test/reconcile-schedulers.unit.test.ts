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

  it('converges: applying the diff leaves nothing to do', () => {
    const desired = desiredSchedulers([job('a', '*/5 * * * *')]);
    const after = desired.map((d) => ({ key: d.id, pattern: d.pattern, tz: d.tz, data: d.data }));
    expect(diffSchedulers(desired, after)).toEqual({ upsert: [], remove: [] });
  });
});
