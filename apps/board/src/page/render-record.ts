import type { PlanEntry, RecordExplanation } from '@syncframe/engine';
import type { SideNames } from '../conflict-diff.js';
import { runPagePath } from '../run-paths.js';
import { flashBox, pageHeader } from './chrome.js';
import type { Flash } from './flash.js';
import { actionButton } from './forms.js';
import { formatJson, formatTime } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** What the page explaining one record shows. */
export interface RecordPageModel {
  readonly explanation: RecordExplanation;
  readonly sides: SideNames;
  readonly flash: Flash | null;
  readonly csrfToken: string;
  readonly nonce: string;
}

function nextRow(e: PlanEntry, sides: SideNames): SafeHtml {
  const target = e.target ? `${sides[e.target.side]} ${e.target.id ?? '(new record)'}` : '';
  const fields = e.changedFields?.length ? e.changedFields.join(', ') : e.fields ? Object.keys(e.fields).join(', ') : '';
  return html`<tr><td>${sides[e.side]} <code>${e.recordId}</code></td><td><b>${e.action}</b></td><td>${target}</td><td>${fields}</td><td>${e.reason ?? ''}</td></tr>`;
}

/** "Why didn't record X sync?": the verdict, the facts behind it, and what the next run would do. */
export function renderRecord(model: RecordPageModel): string {
  const { explanation: e, sides } = model;
  const facts: SafeHtml[] = [];
  if (e.side !== null) {
    facts.push(html`<tr><th>Link</th><td>${e.link ? html`${sides.source} <code>${e.link.sourceId}</code> ⇄ ${sides.dest} <code>${e.link.destId}</code>${e.link.deletedAt ? html` <span class="bad">deleted ${formatTime(e.link.deletedAt)}</span>` : ''}` : html`<span class="muted">none: it never synced</span>`}</td></tr>`);
    if (e.lastSynced) {
      facts.push(html`<tr><th>Last synced</th><td>${formatTime(e.lastSynced.at)}${e.lastSynced.runId ? html` by <a href="${runPagePath(e.lastSynced.runId)}">run ${e.lastSynced.runId.slice(0, 8)}</a>` : ''}</td></tr>`);
    }
  }
  const failing = e.failures[0];
  if (failing) {
    const key = html`<input type="hidden" name="side" value="${failing.side}"><input type="hidden" name="recordId" value="${failing.recordId}"><input type="hidden" name="back" value="${`/jobs/${encodeURIComponent(e.jobId)}/records/${encodeURIComponent(e.recordId)}`}">`;
    facts.push(html`<tr><th>Failing</th><td>${actionButton(`/actions/jobs/${encodeURIComponent(e.jobId)}/failing-records/retry`, 'Retry now', model.csrfToken, key)}</td></tr>`);
  }
  const records = [e.record, e.partner].filter((r) => r?.record).map((r) => html`<h3>${sides[r!.side]} <code>${r!.id}</code>${r!.record!.deleted ? html` <span class="bad">flagged deleted</span>` : ''}</h3><pre>${formatJson(r!.record!.fields)}</pre>`);
  const next = e.next.length > 0
    ? html`<table id="next-run"><thead><tr><th>Record</th><th>Action</th><th>Target</th><th>Fields</th><th>Why</th></tr></thead><tbody>${e.next.map((n) => nextRow(n, sides))}</tbody></table>`
    : html`<p class="muted">Nothing to plan: the record could not be read.</p>`;
  const body = html`${flashBox(model.flash)}
<h2>Record <code>${e.recordId}</code> of ${e.jobId}${e.side ? html` <span class="muted">(${sides[e.side]})</span>` : ''}</h2>
<ul id="verdict">${e.verdict.map((v) => html`<li>${v}</li>`)}</ul>
${facts.length > 0 ? html`<table id="record-facts"><tbody>${facts}</tbody></table>` : ''}
<h2>What the next run that pulls it would do</h2>${next}
${records.length > 0 ? html`<h2>As they are now</h2>${records}` : ''}`;
  return layout({ title: `Record ${e.recordId} — SyncFrame board`, nonce: model.nonce, header: pageHeader(model.csrfToken), body }).value;
}
