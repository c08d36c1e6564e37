/**
 * The Grafana dashboard (apps/board/grafana/syncframe-dashboard.json) stays in step with the
 * board's /metrics: valid JSON, and every query names only metrics the board exports.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@syncframe/engine';
import { InMemoryLinkIndex } from '@syncframe/test-kit';
import { BoardMetrics } from '../src/metrics.js';

const DASHBOARD = resolve(import.meta.dirname, '../grafana/syncframe-dashboard.json');

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: unknown;
  readonly targets?: readonly { readonly expr: string }[];
}

/** Every series name the board's registry exposes (histograms as their _bucket, _sum and _count series). */
async function exportedSeries(): Promise<Set<string>> {
  const queue = (name: string) => ({ name, getJobCounts: async () => ({ waiting: 0 }) }) as unknown as Queue;
  const metrics = new BoardMetrics({ queues: { runs: queue('sync-runs'), ticks: queue('sync-ticks') }, store: new InMemoryLinkIndex(), logger: silentLogger });
  const names = new Set<string>();
  // `# TYPE <name> <type>` lines list every metric, those without a series yet included.
  for (const [, name, type] of (await metrics.registry.metrics()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: { name: string; query?: unknown }[] } };
  const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');

  it('is valid JSON with unique panel ids, each query panel on the Prometheus data source variable', () => {
    expect(dashboard.uid).toBe('syncframe-board');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(queryPanels.length).toBeGreaterThanOrEqual(8);
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics the board exports, and covers runs, durations, writes, queues and accounts', async () => {
    const exported = await exportedSeries();
    const exprs = [
      ...queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: p.title, expr: t.expr }))),
      ...dashboard.templating.list.filter((v) => v.query !== undefined && typeof v.query === 'object')
        .map((v) => ({ where: `variable ${v.name}`, expr: (v.query as { query: string }).query })),
    ];
    const used = new Set<string>();
    for (const { where, expr } of exprs) {
      const names = expr.match(/\bsyncframe_[a-z0-9_]+\b/g) ?? [];
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) {
        expect(exported.has(name), `${where} uses ${name}, which /metrics does not export`).toBe(true);
        used.add(name);
      }
    }
    for (const needed of [
      'syncframe_runs_total', 'syncframe_run_duration_seconds_bucket', 'syncframe_records_written_total', 'syncframe_queue_jobs',
      'syncframe_account_requests_total', 'syncframe_account_429_total', 'syncframe_account_share_of_ceiling',
    ]) expect(used.has(needed), needed).toBe(true);
  });
});
