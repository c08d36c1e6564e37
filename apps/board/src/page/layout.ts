import type { SafeHtml } from './html.js';
import { html, raw } from './html.js';

/** The page's whole stylesheet: small enough to inline, allowed by the CSP through its nonce. */
const CSS = raw(`
:root{color-scheme:light dark;--fg:#1d232b;--muted:#5b6675;--line:#d6dbe1;--bg:#fff;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--accent:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9aa6b2;--line:#30363d;--bg:#0d1117;--card:#161b22;--accent:#4493f8}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1rem;align-items:center;padding:.75rem 1.5rem;border-bottom:1px solid var(--line)}
header h1{font-size:1.1rem;margin:0;flex:1}main{padding:1rem 1.5rem;max-width:1400px}
a{color:var(--accent)}h2{font-size:1rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%;margin-bottom:1rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase}
.status-success,.ok{color:var(--ok)}.status-partial,.warn{color:var(--warn)}.status-failed,.bad{color:var(--bad)}
.muted{color:var(--muted)}form.inline{display:inline}button{font:inherit;padding:.2rem .6rem;border:1px solid var(--line);border-radius:4px;background:var(--card);color:var(--fg);cursor:pointer}
button:hover{border-color:var(--accent)}.flash{padding:.6rem .9rem;border-radius:4px;margin:.5rem 0 1rem;border:1px solid var(--line)}
.flash-ok{border-color:var(--ok)}.flash-error{border-color:var(--bad)}
pre{margin:0;max-height:14rem;overflow:auto;background:var(--card);padding:.4rem;border-radius:4px;font-size:12px}
.conflict{display:grid;grid-template-columns:1fr 1fr;gap:.75rem}.login{max-width:24rem;margin:4rem auto}
.login input{width:100%;padding:.4rem;font:inherit;margin:.3rem 0 .8rem}
header h1 a.home{color:inherit;text-decoration:none}.conflict-card{border:1px solid var(--line);border-radius:6px;padding:.25rem .9rem .6rem;margin:0 0 1rem}
table.diff{margin:.25rem 0 .5rem}table.diff tr.group th{text-transform:none;font-size:.85rem;font-weight:400;color:var(--fg);background:var(--card)}
table.diff tr.differs td{background:color-mix(in srgb,var(--bad) 10%,transparent)}table.diff code{white-space:pre-wrap;word-break:break-word}
.diff-summary{margin:.4rem 0}.note{margin:.2rem 0}details summary{cursor:pointer;color:var(--muted);margin:.3rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0 1rem}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}th.side{text-transform:none;font-size:.85rem}
table#counts{width:auto;min-width:28rem}ul.diff-summary{margin:.4rem 0;padding-left:1.2rem}.pending{border-color:var(--warn)}
`);

/** A full page around `body`. `nonce` is the response's CSP nonce for the inline stylesheet. */
export function layout(options: { title: string; nonce: string; header?: SafeHtml; body: SafeHtml }): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${options.title}</title>
<style nonce="${options.nonce}">${CSS}</style>
</head>
<body>
${options.header}
<main>
${options.body}
</main>
</body>
</html>`;
}
