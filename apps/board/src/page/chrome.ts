import type { Flash } from './flash.js';
import { actionButton } from './forms.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** The bar at the top of every board page: home, Bull Board, log out. */
export function pageHeader(csrfToken: string): SafeHtml {
  return html`<header><h1><a class="home" href="/">SyncFrame board</a></h1><a href="/board">Queues (Bull Board)</a>
${actionButton('/logout', 'Log out', csrfToken)}</header>`;
}

/** The one-time message of the last action, with its link (a run to follow) when it has one. */
export function flashBox(flash: Flash | null): SafeHtml | '' {
  if (!flash) return '';
  const link = flash.link ? html` <a href="${flash.link.href}">${flash.link.label}</a>` : '';
  return html`<div class="flash flash-${flash.kind}" role="status">${flash.text}${link}</div>`;
}
