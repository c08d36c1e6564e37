/** The two error body shapes Airtable sends, reduced to `{ type, message }`. */
export interface AirtableErrorBody {
  readonly type?: string;
  readonly message?: string;
}

/**
 * Reads `{"error":{"type","message"}}` (documented), `{"error":"NOT_FOUND"}` (bare 404s) and
 * `{"errors":[{"error","message"}]}` (what real 429s were observed to carry).
 */
export function parseAirtableError(body: unknown): AirtableErrorBody {
  if (!body || typeof body !== 'object') return typeof body === 'string' && body ? { message: body.slice(0, 200) } : {};
  const b = body as { error?: unknown; errors?: unknown };
  if (typeof b.error === 'string') return { type: b.error };
  if (b.error && typeof b.error === 'object') {
    const e = b.error as { type?: unknown; message?: unknown };
    return { ...(typeof e.type === 'string' ? { type: e.type } : {}), ...(typeof e.message === 'string' ? { message: e.message } : {}) };
  }
  if (Array.isArray(b.errors) && b.errors[0] && typeof b.errors[0] === 'object') {
    const e = b.errors[0] as { error?: unknown; message?: unknown };
    return { ...(typeof e.error === 'string' ? { type: e.error } : {}), ...(typeof e.message === 'string' ? { message: e.message } : {}) };
  }
  return {};
}

/** One line for messages: `422 INVALID_VALUE_FOR_COLUMN: Field "Summary" cannot accept a value…`. */
export function describeAirtableError(status: number, error: AirtableErrorBody): string {
  return `${status}${error.type ? ` ${error.type}` : ''}${error.message ? `: ${error.message}` : ''}`;
}
