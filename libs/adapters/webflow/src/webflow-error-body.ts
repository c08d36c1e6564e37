/** Webflow's error body `{code, message, externalReference, details[]}`, reduced. */
export interface WebflowErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly details: readonly { readonly param?: string; readonly description?: string }[];
}

export function parseWebflowError(body: unknown): WebflowErrorBody {
  if (!body || typeof body !== 'object') return { details: [], ...(typeof body === 'string' && body ? { message: body.slice(0, 200) } : {}) };
  const b = body as { code?: unknown; message?: unknown; msg?: unknown; details?: unknown };
  const details = Array.isArray(b.details)
    ? b.details.filter((d): d is { param?: string; description?: string } => !!d && typeof d === 'object')
    : [];
  const message = typeof b.message === 'string' ? b.message : typeof b.msg === 'string' ? b.msg : undefined;
  return { ...(typeof b.code === 'string' ? { code: b.code } : {}), ...(message !== undefined ? { message } : {}), details };
}

/** One line for messages: `400 validation_error: Validation Error (slug: Unique value …)`. */
export function describeWebflowError(status: number, error: WebflowErrorBody): string {
  const details = error.details
    .map((d) => [d.param, d.description].filter(Boolean).join(': '))
    .filter(Boolean)
    .join('; ');
  return `${status}${error.code ? ` ${error.code}` : ''}${error.message ? `: ${error.message}` : ''}${details ? ` (${details})` : ''}`;
}
