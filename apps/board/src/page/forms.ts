import { CSRF_FIELD } from '../csrf.js';
import type { SafeHtml } from './html.js';
import { html } from './html.js';

/** The hidden CSRF field of a form (empty value for bearer-authenticated viewers: they need none). */
export function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** A one-button POST form. */
export function actionButton(action: string, label: string, token: string, extra?: SafeHtml): SafeHtml {
  return html`<form class="inline" method="post" action="${action}">${csrfInput(token)}${extra}<button type="submit">${label}</button></form>`;
}
