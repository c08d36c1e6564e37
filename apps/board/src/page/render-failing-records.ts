import type { RecordFailure } from '@syncframe/engine';
import { actionButton } from './forms.js';
import { formatTime } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** A failing record with its job's side names; `reason` already scrubbed of secrets. */
export interface FailingRecordView {
  readonly failure: RecordFailure;
  readonly sides: { readonly source: string; readonly dest: string };
}

/** Where the board explains a record. */
export const recordPagePath = (jobId: string, recordId: string) => `/jobs/${encodeURIComponent(jobId)}/records/${encodeURIComponent(recordId)}`;

function row(view: FailingRecordView, csrfToken: string): SafeHtml {
  const f = view.failure;
  const path = `/actions/jobs/${encodeURIComponent(f.jobId)}/failing-records/retry`;
  const key = html`<input type="hidden" name="side" value="${f.side}"><input type="hidden" name="recordId" value="${f.recordId}">`;
  const state = f.retryRequestedAt
    ? html`<span class="muted">retry asked for ${formatTime(f.retryRequestedAt)}</span>`
    : f.retrying ? html`<span class="warn">retried every run</span>` : html`<span class="bad">not retried any more</span>`;
  return html`<tr data-failing-record="${f.jobId}/${f.side}/${f.recordId}">
<td>${f.jobId}</td><td><b>${view.sides[f.side]}</b> <a class="explain-link" href="${recordPagePath(f.jobId, f.recordId)}"><code>${f.recordId}</code></a></td>
<td>${f.stage}</td><td class="reason">${f.reason}</td><td>${f.failures}</td><td>${formatTime(f.firstFailedAt)}</td><td>${formatTime(f.lastFailedAt)}</td>
<td>${state}</td><td>${actionButton(path, 'Retry now', csrfToken, key)}</td>
</tr>`;
}

/** Records that keep failing, with their reasons, Retry now (one, or all of a job), and a link to each one's explanation. */
export function renderFailingRecords(views: readonly FailingRecordView[], more: number, csrfToken: string): SafeHtml {
  if (views.length === 0) return html`<p class="muted">No failing records.</p>`;
  const byJob = new Map<string, number>();
  for (const v of views) byJob.set(v.failure.jobId, (byJob.get(v.failure.jobId) ?? 0) + 1);
  const all = html`<input type="hidden" name="all" value="1">`;
  const bulk = [...byJob].map(([jobId, n]) => html`<div class="failing-job" data-failing-job="${jobId}"><b>${jobId}</b>: ${n} failing
${actionButton(`/actions/jobs/${encodeURIComponent(jobId)}/failing-records/retry`, `Retry all ${n}`, csrfToken, all)}</div>`);
  const rest = more > 0 ? html`<p class="muted">${more} more are not shown: list them with <code>GET /api/jobs/:id/failing-records</code>.</p>` : '';
  return html`<p class="muted">Records that failed on their own and have not synced since. Each run retries them while they were edited within 24 h; Retry now makes the next run read one by id and try again.</p>
${bulk}
<table id="failing-records"><thead><tr><th>Job</th><th>Record</th><th>Stage</th><th>Reason</th><th>Failures</th><th>First</th><th>Last</th><th></th><th></th></tr></thead>
<tbody>${views.map((v) => row(v, csrfToken))}</tbody></table>${rest}`;
}
