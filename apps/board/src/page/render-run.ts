import type { AccountUsage, RunSummary, Side, SideCounts } from '@syncframe/engine';
import type { SideNames } from '../conflict-diff.js';
import type { QueuedRunView } from '../run-lookup.js';
import { runPagePath } from '../run-paths.js';
import { flashBox, pageHeader } from './chrome.js';
import type { Flash } from './flash.js';
import { formatDuration, formatShare, formatTime } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';
import { layout } from './layout.js';
import type { ConflictView } from './render-conflict.js';
import { renderConflictCard } from './render-conflict.js';

/** What the page of one run shows: the recorded run, or where the queue has it. */
export interface RunPageModel {
  readonly runId: string;
  /** The recorded run; null while it is queued or running. */
  readonly run: RunSummary | null;
  /** The queue's view, for a run not recorded yet. */
  readonly queued: QueuedRunView | null;
  /** The job's side names (the config's `sides` keys). */
  readonly sides: SideNames;
  /** False when the run's job is no longer in the config (side names are then `source`/`dest`). */
  readonly jobConfigured: boolean;
  /** Conflicts of the job detected while the run ran (at most a page of them), with their comparison. */
  readonly conflicts: readonly ConflictView[];
  /** Conflicts beyond those shown. */
  readonly moreConflicts: number;
  /** Other recorded attempts of the same enqueued run. */
  readonly attempts: readonly RunSummary[];
  readonly flash: Flash | null;
  readonly csrfToken: string;
  readonly nonce: string;
}

const COUNT_ROWS: readonly { key: keyof SideCounts; label: string; title: string }[] = [
  { key: 'pulled', label: 'pulled', title: 'records pulled from this side (repeats included)' },
  { key: 'created', label: 'created', title: 'records created on this side' },
  { key: 'updated', label: 'updated', title: 'records updated on this side' },
  { key: 'deleted', label: 'deleted', title: 'records deleted (or flagged deleted) on this side' },
  { key: 'echoesSkipped', label: 'echoes skipped', title: 'pulled records whose mapped content was already synced' },
  { key: 'conflicts', label: 'conflicts', title: 'pulled records whose linked record changed too' },
  { key: 'errors', label: 'record errors', title: 'records of this side that failed on their own' },
  { key: 'held', label: 'held (settling)', title: 'pulled records edited too recently (settle_sec), or linked to such a record: they wait for a later run' },
];

function sideLabel(model: RunPageModel, side: Side | null): string {
  return side === null ? 'run' : model.sides[side];
}

function facts(rows: readonly (readonly [string, unknown])[]): SafeHtml {
  return html`<dl class="facts">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function countsTable(model: RunPageModel, run: RunSummary): SafeHtml {
  const { source, dest } = model.sides;
  const rows = COUNT_ROWS.map((r) => html`<tr data-count="${r.key}"><td title="${r.title}">${r.label}</td>
<td class="num">${run.counts.source[r.key] ?? 0}</td><td class="num">${run.counts.dest[r.key] ?? 0}</td></tr>`);
  return html`<table id="counts"><thead><tr><th></th><th class="num side">${source} (source)</th><th class="num side">${dest} (dest)</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function failuresList(model: RunPageModel, run: RunSummary): SafeHtml {
  if (run.failures.length === 0) return html`<p class="muted">None: every side was pulled and pushed.</p>`;
  return html`<ul id="failures">${run.failures.map((f) => html`<li><b>${sideLabel(model, f.side)}</b>: <span class="bad">${f.message}</span>
<span class="muted">(${f.retryable ? 'transient: retried' : 'needs a person: not retried'})</span></li>`)}</ul>`;
}

function errorsTable(model: RunPageModel, run: RunSummary): SafeHtml {
  if (run.errors.length === 0) return html`<p class="muted">No record failed.</p>`;
  const total = run.counts.source.errors + run.counts.dest.errors;
  const truncated = run.errorsTruncated
    ? html`<p class="warn" id="errors-truncated">Only the first ${run.errors.length} record errors are recorded${total > run.errors.length ? html` (of ${total})` : ''}.</p>`
    : '';
  const rows = run.errors.map((e) => html`<tr><td>${sideLabel(model, e.side)}</td><td><code>${e.recordId}</code></td><td>${e.stage}</td><td>${e.reason}</td></tr>`);
  return html`${truncated}<table id="errors"><thead><tr><th>Pulled from</th><th>Record</th><th>Stage</th><th>Reason</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function accountRow(a: AccountUsage): SafeHtml {
  return html`<tr data-account="${a.account}"><td><code>${a.account}</code></td><td>${a.sides.join(', ')}</td>
<td>${a.limit.max_reqs} per ${a.limit.interval_sec} s</td><td class="num">${a.requests}</td>
<td class="num${a.rateLimited > 0 ? ' bad' : ''}">${a.rateLimited}</td><td class="num">${formatDuration(a.throttleWaitMs)}</td>
<td class="num">${formatDuration(a.activeMs)}</td><td class="num">${formatShare(a.shareOfCeiling)}</td></tr>`;
}

function accountsTable(run: RunSummary): SafeHtml {
  if (run.accounts === undefined) return html`<p class="muted">Not recorded for this run (recorded before per-account figures existed).</p>`;
  if (run.accounts.length === 0) return html`<p class="muted">No rate-limited account was used.</p>`;
  return html`<table id="accounts"><thead><tr><th>Account</th><th>Sides</th><th>Limit</th><th class="num">Requests</th><th class="num">429s</th>
<th class="num" title="time the run's requests waited for their turn">Throttle wait</th><th class="num" title="first request to last">Active</th>
<th class="num" title="the rate achieved while active, as a share of the limit">Share of ceiling</th></tr></thead>
<tbody>${run.accounts.map(accountRow)}</tbody></table>`;
}

function conflictsSection(model: RunPageModel): SafeHtml {
  if (model.conflicts.length === 0) return html`<p class="muted">No conflict of this job was detected while the run ran.</p>`;
  const more = model.moreConflicts > 0
    ? html`<p class="muted">${model.moreConflicts} more are not shown; <code>GET /api/runs/${model.runId}</code> lists them all.</p>`
    : '';
  return html`${model.conflicts.map((c) => renderConflictCard(c, model.csrfToken, runPagePath(model.runId)))}${more}`;
}

function attemptsList(model: RunPageModel): SafeHtml | '' {
  if (model.attempts.length === 0) return '';
  return html`<h3>Other attempts of this run</h3><ul id="attempts">${model.attempts.map((a) => html`<li><a href="${runPagePath(a.runId)}"><code>${a.runId}</code></a>
<span class="status-${a.status}">${a.status}</span> ${formatTime(a.startedAt)}</li>`)}</ul>`;
}

function recordedBody(model: RunPageModel, run: RunSummary): SafeHtml {
  const job = model.jobConfigured ? run.jobId : html`${run.jobId} <span class="muted">(no longer in the config)</span>`;
  return html`${facts([
    ['Job', job],
    ['Status', html`<span class="status-${run.status}" id="run-status">${run.status}</span>`],
    ['Trigger', run.trigger],
    ['Started', formatTime(run.startedAt)],
    ['Ended', formatTime(run.endedAt)],
    ['Duration', formatDuration(run.durationMs)],
    ['Retries', html`<span id="run-retries">${run.retries}</span> <span class="muted">remote requests retried (transient errors, 429s)</span>`],
    ['429 answers', html`<span id="run-429" class="${run.rateLimited > 0 ? 'bad' : ''}">${run.rateLimited}</span>`],
    ['Throttle waits', html`<span id="run-throttle-wait">${formatDuration(run.throttleWaitMs)}</span> <span class="muted">waiting for a rate-limit slot (both sides)</span>`],
  ])}
<h3>Records per side</h3>${countsTable(model, run)}
<h3>Run failures</h3>${failuresList(model, run)}
<h3>Record errors</h3>${errorsTable(model, run)}
<h3>Rate-limited accounts</h3>${accountsTable(run)}
<h3>Conflicts detected during the run</h3>${conflictsSection(model)}
${attemptsList(model)}`;
}

function pendingText(q: QueuedRunView): SafeHtml {
  switch (q.state) {
    case 'active':
      return html`<b>Running, not recorded yet.</b> A run is recorded when it ends: reload this page to follow it.`;
    case 'delayed':
      return html`<b>Queued, not recorded yet:</b> delayed (a retry waiting for its back-off, or another run of the job still holds its lease).`;
    case 'follow-up':
      return html`<b>Queued, not recorded yet:</b> it follows the job's active run and starts when that one ends.`;
    case 'completed':
      return html`<b>Finished without a recorded run</b>${q.outcome ? html`: ${q.outcome}` : ''}.`;
    case 'failed':
      return html`<b>Failed before its run was recorded</b>${q.failedReason ? html`: <span class="bad">${q.failedReason}</span>` : ''}.`;
    case 'unknown':
      return html`<b>Known to the queue, not recorded yet.</b>`;
    default:
      return html`<b>Queued, not recorded yet:</b> waiting for a worker.`;
  }
}

function pendingBody(model: RunPageModel, q: QueuedRunView): SafeHtml {
  return html`<div class="flash pending" id="run-pending" role="status" data-state="${q.state}">${pendingText(q)}</div>
${facts([
    ['Job', q.jobId],
    ['Queue state', q.state],
    ['Trigger', q.trigger],
    ['Requested', formatTime(q.requestedAt)],
    ['Queue job', html`<code>${q.queueJobId}</code> <a href="/board/queue/sync-runs">in Bull Board</a>`],
    ['Attempts made', q.attemptsMade],
  ])}
${attemptsList(model)}`;
}

/** The page of one run: everything its summary recorded, with the job's side names, or where the queue has it. */
export function renderRun(model: RunPageModel): string {
  const body = html`${flashBox(model.flash)}
<p><a href="/">← Jobs and recent runs</a></p>
<h2>Run <code id="run-id">${model.runId}</code>${model.run ? html` of ${model.run.jobId}` : model.queued ? html` of ${model.queued.jobId}` : ''}</h2>
${model.run ? recordedBody(model, model.run) : model.queued ? pendingBody(model, model.queued) : ''}`;
  return layout({ title: `Run ${model.runId} · SyncFrame board`, nonce: model.nonce, header: pageHeader(model.csrfToken), body }).value;
}
