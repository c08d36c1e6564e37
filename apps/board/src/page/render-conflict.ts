import type { Conflict } from '@syncframe/engine';
import { conflictState } from '@syncframe/engine';
import type { ConflictDiff, DiffGroup, DiffRow } from '../conflict-diff.js';
import { actionButton } from './forms.js';
import { formatJson, formatTime, formatValue } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** A conflict with the comparison of its two records. */
export interface ConflictView {
  readonly conflict: Conflict;
  readonly diff: ConflictDiff;
}

function groupTitle(group: DiffGroup, diff: ConflictDiff): SafeHtml {
  const { source, dest } = diff.sides;
  switch (group.kind) {
    case 'keep-source':
      return html`<b>${dest}'s fields</b>: ${source}'s record mapped by ${source}→${dest}; <b>Keep source</b> writes the marked ones to ${dest}`;
    case 'keep-dest':
      return html`<b>${source}'s fields</b>: ${dest}'s record mapped by ${dest}→${source}; <b>Keep dest</b> writes the marked ones to ${source}`;
    case 'both':
      return html`<b>Fields</b> (both mappers hand every field over as it is): the kept side's values are written over the other's`;
    case 'by-name':
      return html`<b>Fields by name</b> (not mapped): values differ where a name is on both sides`;
    case 'only-source':
      return html`<b>Only in ${source}'s record</b>: no mapping writes these (not synced)`;
    case 'only-dest':
      return html`<b>Only in ${dest}'s record</b>: no mapping writes these (not synced)`;
  }
}

function cell(value: unknown, present: boolean): SafeHtml {
  return present ? html`<code>${formatValue(value)}</code>` : html`<span class="muted">—</span>`;
}

function diffRow(r: DiffRow): SafeHtml {
  const mark = r.differs
    ? html`<span class="bad">differs</span>`
    : r.present.source && r.present.dest ? html`<span class="muted">same</span>` : html`<span class="muted">one side only</span>`;
  return html`<tr class="${r.differs ? 'differs' : ''}" data-field="${r.field}" data-differs="${r.differs ? 'true' : 'false'}">
<td><code>${r.field}</code></td><td>${cell(r.source, r.present.source)}</td><td>${cell(r.dest, r.present.dest)}</td><td>${mark}</td></tr>`;
}

const fieldCount = (n: number) => `${n} field${n === 1 ? '' : 's'}`;

/** One line per direction: which fields each keep button would change. */
function diffSummary(diff: ConflictDiff): SafeHtml {
  const { source, dest } = diff.sides;
  const differing = (kind: DiffGroup['kind']) => diff.groups.filter((g) => g.kind === kind).flatMap((g) => g.rows.filter((r) => r.differs).map((r) => r.field));
  const keepSource = differing('keep-source');
  const keepDest = differing('keep-dest');
  if (keepSource.length > 0 || keepDest.length > 0) {
    const line = (changed: string[], button: string, target: string) => changed.length > 0
      ? html`<li>${button} writes ${fieldCount(changed.length)} to ${target}: ${changed.join(', ')}</li>`
      : html`<li>${button} changes nothing on ${target}</li>`;
    return html`<ul class="diff-summary">${line(keepSource, 'Keep source', dest)}${line(keepDest, 'Keep dest', source)}</ul>`;
  }
  return diff.differing.length > 0
    ? html`<p class="diff-summary">${fieldCount(diff.differing.length)} differ: ${diff.differing.join(', ')}</p>`
    : html`<p class="diff-summary muted">No field differs${diff.mode === 'mapped' ? ' once mapped' : ''}.</p>`;
}

/** The side-by-side table of a conflict's fields: source value | dest value, differing ones marked. */
export function renderDiff(diff: ConflictDiff): SafeHtml {
  const { source, dest } = diff.sides;
  const notes = diff.notes.map((n) => html`<p class="muted note">${n}</p>`);
  const summary = diffSummary(diff);
  const groups = diff.groups.map((g) => html`<tbody data-group="${g.kind}"><tr class="group"><th colspan="4">${groupTitle(g, diff)}</th></tr>
${g.rows.length > 0 ? g.rows.map(diffRow) : html`<tr><td colspan="4" class="muted">no fields</td></tr>`}</tbody>`);
  return html`${notes}${summary}<table class="diff" data-mode="${diff.mode}"><thead><tr><th>Field</th><th class="side">${source} (source)</th><th class="side">${dest} (dest)</th><th></th></tr></thead>
${groups}</table>`;
}

function stateText(c: Conflict): SafeHtml {
  const state = conflictState(c);
  if (state === 'open') return html`<span class="warn">open</span>`;
  if (state === 'resolved') return html`<span>resolved ${formatTime(c.resolvedAt)}: keep ${c.keep}, applied on the next run</span>`;
  return html`<span class="ok">applied ${formatTime(c.appliedAt)} (kept ${c.keep})</span>`;
}

/** field_merge: the fields changed on both sides (the rest merged); nothing for a whole-record conflict. */
function conflictFields(c: Conflict, source: string): SafeHtml | '' {
  if (!c.fields || c.fields.length === 0) return '';
  return html`<p class="conflict-fields" data-fields="${c.fields.join(',')}">Changed on both sides (field names of ${source}): ${c.fields.map((f, i) => html`${i > 0 ? ', ' : ''}<code>${f}</code>`)}. A keep button writes the kept side's whole record.</p>`;
}

/**
 * One conflict: who and when, the field comparison, then the keep buttons (open conflicts only)
 * and the full records folded away. `back` is where the buttons return to.
 */
export function renderConflictCard(view: ConflictView, csrfToken: string, back: string): SafeHtml {
  const c = view.conflict;
  const { source, dest } = view.diff.sides;
  const action = `/actions/conflicts/${encodeURIComponent(c.conflictId)}/resolve`;
  const hidden = (keep: string) => html`<input type="hidden" name="keep" value="${keep}"><input type="hidden" name="back" value="${back}">`;
  const buttons = conflictState(c) === 'open'
    ? html`<p class="keep">${actionButton(action, `Keep source (${source})`, csrfToken, hidden('source'))}
${actionButton(action, `Keep dest (${dest})`, csrfToken, hidden('dest'))}</p>`
    : '';
  return html`<section class="conflict-card" data-conflict="${c.conflictId}">
<p><b>${c.jobId}</b> · ${source} <code>${c.sourceId}</code> ↔ ${dest} <code>${c.destId}</code> · detected ${formatTime(c.detectedAt)} · ${stateText(c)}</p>
${conflictFields(c, source)}
${renderDiff(view.diff)}
${buttons}
<details><summary>Full records</summary><div class="conflict">
<div><div class="muted">${source} (${c.pair.source.adapter} ${c.pair.source.table}), updated ${formatTime(c.sourcePayload.updatedAt)}</div><pre>${formatJson(c.sourcePayload.fields)}</pre></div>
<div><div class="muted">${dest} (${c.pair.dest.adapter} ${c.pair.dest.table}), updated ${formatTime(c.destPayload.updatedAt)}</div><pre>${formatJson(c.destPayload.fields)}</pre></div>
</div></details>
</section>`;
}
