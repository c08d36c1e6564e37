import type { PendingDelete } from '@syncframe/engine';
import { deleteTarget } from '@syncframe/engine';
import { actionButton } from './forms.js';
import { formatJson, formatTime } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** A pending delete with its job's side names (the config's; `source`/`dest` for a job no longer configured). */
export interface PendingDeleteView {
  readonly pending: PendingDelete;
  readonly sides: { readonly source: string; readonly dest: string };
}

function row(view: PendingDeleteView, csrfToken: string): SafeHtml {
  const p = view.pending;
  const target = deleteTarget(p);
  const goneId = p.side === 'source' ? p.sourceId : p.destId;
  const why = p.cause === 'gone' ? `${view.sides[p.side]} ${goneId} is gone (deleted for good)` : `${view.sides[p.side]} ${goneId} was deleted`;
  const path = `/actions/jobs/${encodeURIComponent(p.jobId)}/pending-deletes`;
  const one = html`<input type="hidden" name="ids" value="${p.deleteId}">`;
  const state = p.decision === null
    ? html`${actionButton(`${path}/approve`, 'Approve', csrfToken, one)} ${actionButton(`${path}/reject`, 'Reject', csrfToken, one)}`
    : html`<span class="muted">${p.decision}; the next run carries it out</span>`;
  const content = p.targetPayload
    ? html`<details><summary>what it holds</summary><pre>${formatJson(p.targetPayload.fields, 2000)}</pre></details>`
    : html`<span class="muted">read when the delete is applied</span>`;
  return html`<tr data-pending-delete="${p.deleteId}">
<td>${p.jobId}</td><td>delete <b>${view.sides[target.side]}</b> <code>${target.id}</code></td><td>${why}</td>
<td>${content}</td><td>${formatTime(p.detectedAt)}</td><td>${state}</td>
</tr>`;
}

/**
 * Deletes held back by a job's delete brake: each with why, what the record holds, and Approve /
 * Reject; per job with open ones, Approve all / Reject all. `more`: waiting beyond those shown.
 */
export function renderPendingDeletes(views: readonly PendingDeleteView[], more: number, csrfToken: string): SafeHtml {
  if (views.length === 0) return html`<p class="muted">No pending deletes.</p>`;
  const openByJob = new Map<string, number>();
  for (const v of views) if (v.pending.decision === null) openByJob.set(v.pending.jobId, (openByJob.get(v.pending.jobId) ?? 0) + 1);
  const all = html`<input type="hidden" name="all" value="1">`;
  const bulk = [...openByJob].map(([jobId, n]) => {
    const path = `/actions/jobs/${encodeURIComponent(jobId)}/pending-deletes`;
    // A div, not a p: a form inside a p would close it.
    return html`<div class="pending-job" data-pending-job="${jobId}"><b>${jobId}</b>: ${n} waiting for a decision
${actionButton(`${path}/approve`, `Approve all ${n}`, csrfToken, all)} ${actionButton(`${path}/reject`, `Reject all ${n}`, csrfToken, all)}</div>`;
  });
  const rest = more > 0 ? html`<p class="muted">${more} more are not shown: decide these first, or list them with <code>GET /api/jobs/:id/pending-deletes</code>.</p>` : '';
  return html`<p class="muted">A run that would delete more records than its job's delete_brake allows deletes none of them: each waits here. Approve: the job's next run deletes it. Reject: both records stay.</p>
${bulk}
<table id="pending-deletes"><thead><tr><th>Job</th><th>Delete</th><th>Why</th><th>Record</th><th>Detected</th><th></th></tr></thead>
<tbody>${views.map((v) => row(v, csrfToken))}</tbody></table>${rest}`;
}
