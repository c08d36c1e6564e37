/** `2026-08-21 14:03:07 UTC`, or an em dash for nothing. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `850 ms`, `12.4 s`, `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Pretty JSON cut to `max` characters, for record payloads shown in the page. */
export function formatJson(value: unknown, max = 4000): string {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

/** One field value on a line: compact JSON (strings quoted, so `""` and absent differ), cut to `max` characters. */
export function formatValue(value: unknown, max = 200): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more)` : text;
}

/** `0.97` → `97 %`. */
export function formatShare(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}
