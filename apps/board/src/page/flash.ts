import type { Request, Response } from 'express';
import type { Signer } from '../signing.js';
import { parseCookies, serializeCookie } from '../signing.js';

/** A one-time message shown on the next page after an action. */
export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly text: string;
  /** A link to follow what the action started (a run page): a local path under `/runs/`. */
  readonly link?: FlashLink;
}

export interface FlashLink {
  readonly href: string;
  readonly label: string;
}

/** Only links to the board's own run pages are carried (and shown). */
const isRunLink = (link: unknown): link is FlashLink => {
  if (typeof link !== 'object' || link === null) return false;
  const { href, label } = link as Partial<FlashLink>;
  return typeof href === 'string' && /^\/runs\/[A-Za-z0-9._~%-]+$/.test(href) && href.length <= 300 && typeof label === 'string' && label.length <= 100;
};

const COOKIE = 'syncframe_flash';
const PURPOSE = 'flash';
const MAX_TEXT = 500;

/**
 * Flash messages in a short-lived signed cookie (post → redirect → get): the signature keeps a
 * neighbouring site or subdomain from planting text in the board's page.
 */
export class FlashCookies {
  constructor(private readonly signer: Signer) {}

  set(req: Request, res: Response, flash: Flash): void {
    const link = isRunLink(flash.link) ? { link: { href: flash.link.href, label: flash.link.label } } : {};
    const payload = Buffer.from(JSON.stringify({ kind: flash.kind, text: flash.text.slice(0, MAX_TEXT), ...link })).toString('base64url');
    res.append('Set-Cookie', serializeCookie(COOKIE, `${payload}.${this.signer.sign(PURPOSE, payload)}`, { maxAgeSec: 60, secure: req.secure }));
  }

  /** The pending flash, if any; clears it so a reload does not show it again. */
  take(req: Request, res: Response): Flash | null {
    const raw = parseCookies(req.headers.cookie).get(COOKIE);
    if (raw === undefined) return null;
    res.append('Set-Cookie', serializeCookie(COOKIE, '', { maxAgeSec: 0, secure: req.secure }));
    const dot = raw.indexOf('.');
    if (dot < 0) return null;
    const payload = raw.slice(0, dot);
    if (!this.signer.verify(PURPOSE, payload, raw.slice(dot + 1))) return null;
    try {
      const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Flash>;
      if ((parsed.kind === 'ok' || parsed.kind === 'error') && typeof parsed.text === 'string') {
        return { kind: parsed.kind, text: parsed.text, ...(isRunLink(parsed.link) ? { link: parsed.link } : {}) };
      }
    } catch {
      // A malformed cookie is ignored like a missing one.
    }
    return null;
  }
}
