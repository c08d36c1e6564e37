import type { Link } from './link-index.js';

interface Waiting {
  readonly links: readonly Link[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Saves the links of landed batches as a group commit: the first batch's links are saved at once;
 * batches that land while that save runs wait and are saved together by the next one (up to
 * `maxPerSave` links), so many small batches in flight cost a few large upserts, not one each.
 * Each caller's promise settles when the save holding its links committed (or failed: then every
 * caller of that save gets the error). Links are never saved before their batch landed, and a
 * caller goes on (settling records, moving cursors) only once its own links are stored.
 */
export class LinkSaver {
  private readonly waiting: Waiting[] = [];
  private saving = false;

  constructor(
    private readonly saveLinks: (links: readonly Link[]) => Promise<void>,
    private readonly maxPerSave: number,
  ) {}

  save(links: readonly Link[]): Promise<void> {
    if (links.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ links, resolve, reject });
      if (!this.saving) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.saving = true;
    try {
      while (this.waiting.length > 0) {
        const group: Waiting[] = [this.waiting.shift()!];
        let size = group[0]!.links.length;
        while (this.waiting.length > 0 && size + this.waiting[0]!.links.length <= this.maxPerSave) {
          const next = this.waiting.shift()!;
          size += next.links.length;
          group.push(next);
        }
        try {
          await this.saveLinks(latestPerLink(group.flatMap((w) => w.links)));
          for (const w of group) w.resolve();
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.saving = false;
    }
  }
}

/** One link per record pair, the last given: an upsert statement may not touch a row twice. */
function latestPerLink(links: readonly Link[]): Link[] {
  const byPair = new Map<string, Link>();
  for (const link of links) byPair.set(`${link.sourceId}\u0000${link.destId}`, link);
  return [...byPair.values()];
}
