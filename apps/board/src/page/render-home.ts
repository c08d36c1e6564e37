import type { RunSummary, Side, SideCounts } from '@syncframe/engine';
import type { JobView, SideView } from '../job-overview.js';
import { runPagePath } from '../run-paths.js';
import { flashBox, pageHeader } from './chrome.js';
import type { Flash } from './flash.js';
import { actionButton } from './forms.js';
import { formatDuration, formatTime } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';
import { layout } from './layout.js';
import type { ConflictView } from './render-conflict.js';
import { renderConflictCard } from './render-conflict.js';
import type { FailingRecordView } from './render-failing-records.js';
import { renderFailingRecords } from './render-failing-records.js';
import type { PendingDeleteView } from './render-pending-deletes.js';
import { renderPendingDeletes } from './render-pending-deletes.js';

/** What the home page shows. */
export interface HomePageModel {
  readonly jobs: readonly JobView[];
  readonly runs: readonly RunSummary[];
  /** Open conflicts (at most a page of them), each with its field comparison. */
  readonly conflicts: readonly ConflictView[];
  /** Open conflicts beyond those shown. */
  readonly moreConflicts: number;
  /** Records that keep failing (at most a page of them), reasons scrubbed. */
  readonly failingRecords: readonly FailingRecordView[];
  readonly moreFailingRecords: number;
  /** Deletes waiting (open, or decided and not carried out yet), at most a page of them. */
  readonly pendingDeletes: readonly PendingDeleteView[];
  readonly morePendingDeletes: number;
  readonly flash: Flash | null;
  /** Put in every form; empty for bearer-authenticated viewers (they need none). */
  readonly csrfToken: string;
  readonly nonce: string;
}

function sideText(side: SideView): SafeHtml {
  const fails = side.failCount > 0 ? html` <span class="bad">(${side.failCount} failed runs)</span>` : '';
  return html`<div><b>${side.name}</b> <span class="muted">${side.adapter}: ${side.table}</span>${fails}</div>`;
}

function jobState(job: JobView): SafeHtml {
  if (!job.enabled) return html`<span class="muted">disabled in config</span>`;
  if (job.disabledAt) return html`<span class="bad">disabled since ${formatTime(job.disabledAt)}</span>`;
  return html`<span class="ok">enabled</span>`;
}

function writes(c: SideCounts): string {
  return `+${c.created} ~${c.updated} −${c.deleted}`;
}

function runLine(run: RunSummary | null): SafeHtml {
  if (!run) return html`<span class="muted">never</span>`;
  return html`<a href="${runPagePath(run.runId)}"><span class="status-${run.status}">${run.status}</span> ${formatTime(run.startedAt)}</a> <span class="muted">(${formatDuration(run.durationMs)})</span>`;
}

/** The config's name of a run's side (`source`/`dest` for a job no longer configured); `run` for a run-level failure. */
function sideNameIn(jobs: readonly JobView[], jobId: string, side: Side | null): string {
  if (side === null) return 'run';
  return jobs.find((j) => j.id === jobId)?.sides.find((s) => s.role === side)?.name ?? side;
}

function jobsTable(model: HomePageModel): SafeHtml {
  if (model.jobs.length === 0) return html`<p class="muted">The config has no jobs.</p>`;
  const rows = model.jobs.map((job) => {
    const path = `/actions/jobs/${encodeURIComponent(job.id)}`;
    // A job off in the config stays off whatever the LinkIndex says: no Disable button for it.
    const toggle = job.disabledAt
      ? actionButton(`${path}/enable`, 'Enable', model.csrfToken)
      : job.enabled ? actionButton(`${path}/disable`, 'Disable', model.csrfToken) : '';
    return html`<tr data-job="${job.id}">
<td><b>${job.id}</b></td>
<td>${jobState(job)}</td>
<td>${job.sides.map(sideText)}</td>
<td>${runLine(job.lastRun)}</td>
<td>${job.nextRunAt ? formatTime(job.nextRunAt) : html`<span class="muted">${job.schedule ? '—' : 'on demand'}</span>`}</td>
<td>${job.openConflicts > 0 ? html`<span class="warn">${job.openConflicts}</span>` : '0'}</td>
<td>${job.runnable ? html`${actionButton(`${path}/run`, 'Run now', model.csrfToken)} ${actionButton(`${path}/reconcile`, 'Reconcile', model.csrfToken)}` : ''} ${toggle}</td>
</tr>`;
  });
  return html`<table id="jobs"><thead><tr><th>Job</th><th>State</th><th>Sides</th><th>Last run</th><th>Next run</th><th>Open conflicts</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function runsTable(model: HomePageModel): SafeHtml {
  if (model.runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const rows = model.runs.map((run) => {
    const problems = [
      ...run.failures.map((f) => `${sideNameIn(model.jobs, run.jobId, f.side)}: ${f.message}`),
      ...(run.errors.length > 0 ? [`${run.errors.length}${run.errorsTruncated ? '+' : ''} record errors`] : []),
    ];
    return html`<tr data-run="${run.runId}">
<td>${formatTime(run.startedAt)}</td><td>${run.jobId}</td><td>${run.trigger}</td>
<td class="status-${run.status}">${run.status}</td><td>${formatDuration(run.durationMs)}</td>
<td>${sideNameIn(model.jobs, run.jobId, 'source')} ${writes(run.counts.source)}</td><td>${sideNameIn(model.jobs, run.jobId, 'dest')} ${writes(run.counts.dest)}</td>
<td>${problems.length > 0 ? html`<span class="bad">${problems.join('; ')}</span>` : ''}</td>
<td><a class="run-link" href="${runPagePath(run.runId)}">details</a></td>
</tr>`;
  });
  return html`<table id="runs"><thead><tr><th>Started</th><th>Job</th><th>Trigger</th><th>Status</th><th>Duration</th>
<th title="written to the source: created ~updated −deleted">Source writes</th><th title="written to the destination">Dest writes</th><th>Problems</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function conflictsList(model: HomePageModel): SafeHtml {
  if (model.conflicts.length === 0) return html`<p class="muted">No open conflicts.</p>`;
  const more = model.moreConflicts > 0
    ? html`<p class="muted">${model.moreConflicts} more open conflicts are not shown: resolve these first, or list them all with <code>GET /api/conflicts</code>.</p>`
    : '';
  return html`${model.conflicts.map((c) => renderConflictCard(c, model.csrfToken, '/'))}${more}`;
}

/** "Why didn't record X sync?": a job and an id of either side, to the record's page. */
function explainForm(model: HomePageModel): SafeHtml {
  if (model.jobs.length === 0) return html``;
  return html`<h2>Explain a record</h2><form id="explain" method="get" action="/explain">
<label>Job <select name="job">${model.jobs.map((j) => html`<option value="${j.id}">${j.id}</option>`)}</select></label>
<label>Record id <input name="record" required maxlength="200" placeholder="rec… or an item id"></label>
<button type="submit">Explain</button></form>`;
}

/** The operators' page: jobs, recent runs and open conflicts, with forms for the common actions. */
export function renderHome(model: HomePageModel): string {
  const header = pageHeader(model.csrfToken);
  const body = html`${flashBox(model.flash)}
<h2>Jobs</h2>${jobsTable(model)}
<h2>Open conflicts</h2>${conflictsList(model)}
<h2>Pending deletes</h2>${renderPendingDeletes(model.pendingDeletes, model.morePendingDeletes, model.csrfToken)}
<h2>Failing records</h2>${renderFailingRecords(model.failingRecords, model.moreFailingRecords, model.csrfToken)}
${explainForm(model)}
<h2>Recent runs</h2>${runsTable(model)}`;
  return layout({ title: 'SyncFrame board', nonce: model.nonce, header, body }).value;
}
