import type { AccountUsage, RunSummary, SideCounts } from '@syncframe/engine';

/** A run summary for a person: the outcome, what each side did, each account's budget, and errors. */
export function formatRunSummary(summary: RunSummary, sideNames: { source: string; dest: string }): string[] {
  const lines = [`run ${summary.runId}: ${summary.status} in ${seconds(summary.durationMs)}`];
  for (const side of ['source', 'dest'] as const) lines.push(`  ${sideNames[side]}: ${describeCounts(summary.counts[side])}`);
  if (summary.retries > 0) lines.push(`  retried requests: ${summary.retries}`);
  const r = summary.reconcile;
  if (r) {
    const listed = (side: 'source' | 'dest') => (r.listed[side] === null ? `${sideNames[side]} listing failed` : `${r.listed[side]} ${sideNames[side]} ids`);
    lines.push(`  reconciled: ${listed('source')}, ${listed('dest')}; gone: ${r.gone.source} ${sideNames.source}, ${r.gone.dest} ${sideNames.dest}`);
  }
  if (summary.deletesHeld) {
    lines.push(`  delete brake: ${summary.deletesHeld} delete${summary.deletesHeld === 1 ? '' : 's'} held, none applied; see \`syncframe deletes list --job ${summary.jobId}\``);
  }
  for (const d of summary.deletes ?? []) {
    const why = d.cause === 'gone' ? 'its partner is gone' : d.cause === 'conflict' ? 'a person kept the deleted side' : 'its partner was deleted';
    lines.push(`  deleted ${sideNames[d.side]} ${d.recordId} (${why}${d.approvedDeleteId ? ', approved' : ''})${d.record ? `: ${JSON.stringify(d.record.fields)}` : ''}`);
  }
  if (summary.deletesTruncated) lines.push('  (more deletes: see the run in the board or `--json`)');
  const accounts = summary.accounts ?? [];
  if (accounts.length > 0) lines.push('', ...accountTable(accounts));
  for (const f of summary.failures) lines.push(`failed${f.side ? ` (${sideNames[f.side]})` : ''}: ${f.message}${f.retryable ? ' (transient: a later run may succeed)' : ''}`);
  for (const e of summary.errors) lines.push(`record ${e.recordId} (${sideNames[e.side]}, ${e.stage}): ${e.reason}`);
  if (summary.errorsTruncated) lines.push('(more record errors: see the run in the board or `--json`)');
  return lines;
}

/** What happened on one side: records pulled from it, and written to it. */
function describeCounts(c: SideCounts): string {
  return `pulled ${c.pulled}; written: created ${c.created}, updated ${c.updated}, deleted ${c.deleted}; echoes skipped ${c.echoesSkipped}, conflicts ${c.conflicts}, errors ${c.errors}${c.held ? `, held for settling ${c.held}` : ''}`;
}

function accountTable(accounts: readonly AccountUsage[]): string[] {
  const rows = [
    ['account', 'sides', 'limit', 'requests', '429s', 'waited', 'share of ceiling'],
    ...accounts.map((a) => [
      a.account, a.sides.join(', '), `${a.limit.max_reqs}/${a.limit.interval_sec}s`, String(a.requests), String(a.rateLimited),
      seconds(a.throttleWaitMs), a.requests > 0 ? `${Math.round(a.shareOfCeiling * 100)} %` : '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
