import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Clock } from '@syncframe/engine';
import type { Signer } from './signing.js';
import { parseCookies, serializeCookie } from './signing.js';

/** Name of the login cookie. */
export const SESSION_COOKIE = 'syncframe_session';
/** @defaultValue 12 hours */
export const DEFAULT_SESSION_TTL_MS = 12 * 3600 * 1000;

const PURPOSE = 'session';

/** A verified login session. */
export interface Session {
  readonly id: string;
  readonly expiresAt: number;
}

/**
 * Login sessions as signed cookies: `v1.<random id>.<expiry>.<HMAC>`. Nothing is stored server side
 * except ids logged out before their expiry, so a restart or a second board replica keeps
 * sessions valid (a logout is only remembered by the replica that served it; the cookie is
 * cleared in the browser in any case).
 */
export class SessionCookies {
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly signer: Signer,
    private readonly clock: Clock,
    private readonly ttlMs: number = DEFAULT_SESSION_TTL_MS,
  ) {}

  /** Starts a session: sets the cookie and returns it. */
  issue(req: Request, res: Response): Session {
    const id = randomBytes(18).toString('base64url');
    const expiresAt = this.clock.now() + this.ttlMs;
    const body = `v1.${id}.${expiresAt.toString(36)}`;
    res.append('Set-Cookie', serializeCookie(SESSION_COOKIE, `${body}.${this.signer.sign(PURPOSE, body)}`, {
      maxAgeSec: this.ttlMs / 1000, secure: req.secure,
    }));
    return { id, expiresAt };
  }

  /** The request's valid session, or null (missing, forged, expired or logged out). */
  read(req: Request): Session | null {
    const raw = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (!raw) return null;
    const parts = raw.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    const [version, id, exp, signature] = parts as [string, string, string, string];
    if (!this.signer.verify(PURPOSE, `${version}.${id}.${exp}`, signature)) return null;
    const expiresAt = parseInt(exp, 36);
    if (!Number.isFinite(expiresAt) || expiresAt <= this.clock.now()) return null;
    if (this.revoked.has(id)) return null;
    return { id, expiresAt };
  }

  /** Ends the request's session (if any) and clears the cookie. */
  end(req: Request, res: Response): void {
    const session = this.read(req);
    if (session) {
      this.revoked.set(session.id, session.expiresAt);
      const now = this.clock.now();
      for (const [id, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(id);
    }
    res.append('Set-Cookie', serializeCookie(SESSION_COOKIE, '', { maxAgeSec: 0, secure: req.secure }));
  }
}
