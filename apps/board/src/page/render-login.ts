import { html } from './html.js';
import { layout } from './layout.js';

/** The login form: the API token, once, in exchange for a session cookie. */
export function renderLogin(options: { next: string; error?: string; nonce: string }): string {
  const body = html`<div class="login">
<h2>SyncFrame board</h2>
${options.error ? html`<div class="flash flash-error" role="alert">${options.error}</div>` : ''}
<form method="post" action="/login">
<label for="token">API token (<code>SYNCFRAME_API_TOKEN</code>)</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${options.next}">
<button type="submit">Log in</button>
</form>
</div>`;
  return layout({ title: 'Log in · SyncFrame board', nonce: options.nonce, body }).value;
}
