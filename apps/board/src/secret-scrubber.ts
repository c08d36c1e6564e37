import type { LoadedConfig } from '@syncframe/config';
import { REDACTED, secretValuesOfSide, urlPassword } from '@syncframe/config';

/** Secrets shorter than this are not scrubbed: a 3-letter value would mangle every message it appears in by chance. */
const MIN_SECRET_LENGTH = 6;

/** Every credential the config holds: each side's secret options and URL passwords, the LinkIndex DSN password. */
export function secretsOfConfig(config: LoadedConfig): string[] {
  const out = config.jobs.flatMap((job) => [...secretValuesOfSide(job.source), ...secretValuesOfSide(job.dest)]);
  const dsnPassword = urlPassword(config.linkindex.conn);
  if (dsnPassword) out.push(dsnPassword);
  return out;
}

/**
 * Replaces known secrets in text bound for a response or a page. Adapters already keep
 * credentials out of their messages; this is the second lock on the same door, for messages that
 * quote a remote's answer or a URL.
 */
export class SecretScrubber {
  /** @param secrets - read on every call, so a reloaded config's new secrets are scrubbed too. */
  constructor(private readonly secrets: () => Iterable<string>) {}

  scrub(text: string): string {
    // Longest first, so a secret that contains another is replaced whole.
    const secrets = [...new Set([...this.secrets()].filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    return out;
  }
}
