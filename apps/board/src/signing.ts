import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HMACs under a key derived from the API token: session cookies, CSRF tokens and flash cookies
 * are signed with it, so rotating the token ends every session, and no cookie ever carries the
 * token itself.
 */
export class Signer {
  private readonly key: Buffer;
  /** Per-process key used only to compare: both sides become 32-byte digests, equal in length whatever was sent. */
  private readonly compareKey = randomBytes(32);

  constructor(apiToken: string) {
    this.key = createHmac('sha256', apiToken).update('syncframe-board/signing-key/v1').digest();
  }

  /** base64url HMAC of `value` for `purpose` (purposes keep a CSRF token from passing as a session signature). */
  sign(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}\u0000${value}`).digest('base64url');
  }

  /** Whether `signature` is the signature of `value` for `purpose`, in constant time. */
  verify(purpose: string, value: string, signature: string): boolean {
    return this.equal(this.sign(purpose, value), signature);
  }

  /** Constant-time string equality, whatever the lengths (timingSafeEqual needs equal lengths: compare digests). */
  equal(a: string, b: string): boolean {
    const da = createHmac('sha256', this.compareKey).update(a).digest();
    const db = createHmac('sha256', this.compareKey).update(b).digest();
    return timingSafeEqual(da, db);
  }
}

/** Parses a `Cookie` header into name → value (first one wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      continue;
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** Attributes of the board's cookies. */
export interface CookieOptions {
  readonly maxAgeSec?: number;
  /** Only over HTTPS; set when the request came over TLS (see `trust proxy`). */
  readonly secure: boolean;
}

/** A `Set-Cookie` value: HttpOnly and SameSite=Strict always, so scripts cannot read it and other sites cannot send it. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSec))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
