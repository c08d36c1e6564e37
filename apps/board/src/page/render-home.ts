import type { Conflict, RunSummary, SideCounts } from '@syncframe/engine';
import { CSRF_FIELD } from '../csrf.js';
import type { JobView, SideView } from '../job-overview.js';
import type { Flash } from './flash.js';
import { formatDuration, formatJson, formatTime } from './format.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** What the home page shows. */
export interface HomePageModel {
  readonly jobs: readonly JobView[];
  readonly runs: readonly RunSummary[];
  readonly conflicts: readonly Conflict[];
  readonly flash: Flash | null;
  /** Put in every form; empty for bearer-authenticated viewers (they need none). */
  readonly csrfToken: string;
  readonly nonce: string;
}

function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** A one-button POST form. */
function actionButton(action: string, label: string, token: string, extra?: SafeHtml): SafeHtml {
  return html`<form class="inline" method="post" action="${action}">${csrfInput(token)}${extra}<button type="submit">${label}</button></form>`;
}

function sideText(side: SideView): SafeHtml {
  const where = side.collection ?? side.table ?? '';
  const fails = side.failCount > 0 ? html` <span class="bad">(${side.failCount} failed runs)</span>` : '';
  return html`<div><b>${side.name}</b> <span class="muted">${side.adapter}: ${where}</span>${fails}</div>`;
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
  return html`<span class="status-${run.status}">${run.status}</span> ${formatTime(run.startedAt)} <span class="muted">(${formatDuration(run.durationMs)})</span>`;
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
<td>${job.runnable ? actionButton(`${path}/run`, 'Run now', model.csrfToken) : ''} ${toggle}</td>
</tr>`;
  });
  return html`<table id="jobs"><thead><tr><th>Job</th><th>State</th><th>Sides</th><th>Last run</th><th>Next run</th><th>Open conflicts</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function runsTable(model: HomePageModel): SafeHtml {
  if (model.runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const rows = model.runs.map((run) => {
    const problems = [
      ...run.failures.map((f) => `${f.side ?? 'run'}: ${f.message}`),
      ...(run.errors.length > 0 ? [`${run.errors.length}${run.errorsTruncated ? '+' : ''} record errors`] : []),
    ];
    return html`<tr data-run="${run.runId}">
<td>${formatTime(run.startedAt)}</td><td>${run.jobId}</td><td>${run.trigger}</td>
<td class="status-${run.status}">${run.status}</td><td>${formatDuration(run.durationMs)}</td>
<td>${writes(run.counts.source)}</td><td>${writes(run.counts.dest)}</td>
<td>${problems.length > 0 ? html`<span class="bad">${problems.join('; ')}</span>` : ''}</td>
<td><a href="/api/runs/${encodeURIComponent(run.runId)}">details</a></td>
</tr>`;
  });
  return html`<table id="runs"><thead><tr><th>Started</th><th>Job</th><th>Trigger</th><th>Status</th><th>Duration</th>
<th title="written to the source: created ~updated −deleted">Source writes</th><th title="written to the destination">Dest writes</th><th>Problems</th><th></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function conflictsList(model: HomePageModel): SafeHtml {
  if (model.conflicts.length === 0) return html`<p class="muted">No open conflicts.</p>`;
  return html`${model.conflicts.map((c) => {
    const action = `/actions/conflicts/${encodeURIComponent(c.conflictId)}/resolve`;
    return html`<section class="conflict-card" data-conflict="${c.conflictId}">
<p><b>${c.jobId}</b> · source <code>${c.sourceId}</code> ↔ dest <code>${c.destId}</code> · detected ${formatTime(c.detectedAt)}
${actionButton(action, 'Keep source', model.csrfToken, html`<input type="hidden" name="keep" value="source">`)}
${actionButton(action, 'Keep dest', model.csrfToken, html`<input type="hidden" name="keep" value="dest">`)}</p>
<div class="conflict"><div><div class="muted">source (${c.pair.source.adapter} ${c.pair.source.table})</div><pre>${formatJson(c.sourcePayload.fields)}</pre></div>
<div><div class="muted">dest (${c.pair.dest.adapter} ${c.pair.dest.table})</div><pre>${formatJson(c.destPayload.fields)}</pre></div></div>
</section>`;
  })}`;
}

/** The operators' page: jobs, recent runs and open conflicts, with forms for the common actions. */
export function renderHome(model: HomePageModel): string {
  const header = html`<header><h1>SyncFrame board</h1><a href="/board">Queues (Bull Board)</a>
${actionButton('/logout', 'Log out', model.csrfToken)}</header>`;
  const flash = model.flash ? html`<div class="flash flash-${model.flash.kind}" role="status">${model.flash.text}</div>` : '';
  const body = html`${flash}
<h2>Jobs</h2>${jobsTable(model)}
<h2>Open conflicts</h2>${conflictsList(model)}
<h2>Recent runs</h2>${runsTable(model)}`;
  return layout({ title: 'SyncFrame board', nonce: model.nonce, header, body }).value;
}
