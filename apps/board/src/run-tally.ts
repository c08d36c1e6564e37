import type { LinkIndex, RunSummary } from '@syncframe/engine';

/** Runs read per LinkIndex query while catching up. */
const PAGE = 500;

/**
 * Counts every run recorded in the LinkIndex exactly once, for counters derived from the runs
 * table at scrape time. The watermark is the newest run start counted so far; each refresh reads
 * back from `lookbackMs` before it (a run is recorded when it ends, so a long one shows up after
 * newer short ones) and skips the ids it already counted. Runs that ended before the board
 * started are left out: counters start at zero with the process, as Prometheus expects.
 */
export class RunTally {
  private readonly counted = new Map<string, number>();
  private newestStart = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LinkIndex,
    private readonly sinceMs: number,
    private readonly lookbackMs: number,
    private readonly onRun: (run: RunSummary) => void,
  ) {}

  /** Counts the runs recorded since the last refresh. Calls are serialised: two scrapes never count a run twice. */
  refresh(): Promise<void> {
    const next = this.queue.then(() => this.catchUp());
    this.queue = next.catch(() => {});
    return next;
  }

  private async catchUp(): Promise<void> {
    const floor = Math.max(this.sinceMs, this.newestStart) - this.lookbackMs;
    let before: string | undefined;
    let newest = this.newestStart;
    for (;;) {
      const page = await this.store.listRuns({ limit: PAGE, ...(before ? { before } : {}) });
      let reachedFloor = false;
      for (const run of page) {
        const start = Date.parse(run.startedAt);
        if (start < floor) {
          reachedFloor = true;
          break;
        }
        if (this.counted.has(run.runId) || Date.parse(run.endedAt) < this.sinceMs) continue;
        this.counted.set(run.runId, start);
        newest = Math.max(newest, start);
        this.onRun(run);
      }
      if (reachedFloor || page.length < PAGE) break;
      // `before` is strict: step 1 ms past the last start so runs sharing it are read again (and
      // skipped as counted) rather than lost, unless that would not move the page at all.
      const last = page[page.length - 1]!.startedAt;
      const stepped = new Date(Date.parse(last) + 1).toISOString();
      before = stepped === before ? last : stepped;
    }
    this.newestStart = newest;
    const keepFrom = Math.max(this.sinceMs, this.newestStart) - this.lookbackMs;
    for (const [id, start] of this.counted) if (start < keepFrom) this.counted.delete(id);
  }
}
