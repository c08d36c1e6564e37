import type { PlanEntry, Side } from '@syncframe/engine';

/** Names a pulled or written record for a person: its title on the side it lives on. */
export type RecordNamer = (side: Side, id: string) => string;

const SIDE_LABEL: Record<Side, string> = { source: 'Airtable', dest: 'Webflow' };

/** `n thing(s)` with the plural right. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/**
 * What a run did, one line per record that moved, in words: created or updated where, which
 * fields, conflicts and how they were decided; echoes and skips are counted, not listed.
 */
export function describePlan(entries: readonly PlanEntry[], name: RecordNamer): string[] {
  const lines: string[] = [];
  let echoes = 0;
  for (const e of entries) {
    const what = `"${name(e.side, e.recordId)}"`;
    const to = SIDE_LABEL[e.target?.side ?? (e.side === 'source' ? 'dest' : 'source')];
    switch (e.action) {
      case 'create':
        lines.push(`  created in ${to.padEnd(8)} ${what}`);
        break;
      case 'update':
        lines.push(`  updated in ${to.padEnd(8)} ${what}${e.changedFields?.length ? ` (${e.changedFields.join(', ')})` : ''}`);
        break;
      case 'delete':
        lines.push(`  deleted in ${to.padEnd(8)} ${what}`);
        break;
      case 'link':
        lines.push(`  linked             ${what}: ${e.reason ?? 'already equal'}`);
        break;
      case 'conflict':
        lines.push(`  conflict           ${what} in ${SIDE_LABEL[e.side]}: ${e.reason ?? 'both sides changed'}`);
        break;
      case 'error':
        lines.push(`  failed             ${what} in ${SIDE_LABEL[e.side]}: ${e.reason ?? 'unknown reason'}`);
        break;
      case 'echo':
        echoes++;
        break;
      case 'wait':
        lines.push(`  waits              ${what} in ${SIDE_LABEL[e.side]}: ${e.reason ?? 'edited too recently'}`);
        break;
      case 'skip':
        break;
    }
  }
  if (echoes > 0) lines.push(`  ${count(echoes, 'record')} pulled back unchanged (echoes of SyncFrame's own writes): skipped, nothing written`);
  if (lines.length === 0) lines.push('  nothing to do: both sides already agree');
  return lines;
}

/** Rows as aligned text columns, the first row a header. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}`);
}
