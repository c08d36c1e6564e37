import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordSpool, SyncRecord } from '@syncframe/engine';
import { spoolError } from './errors/spool-unavailable-error.js';

/** Where a record is in the spool file: byte offset and length of its JSON line. */
export interface SpoolPlace {
  readonly offset: number;
  readonly length: number;
}

/** Contiguous records read back in one read at most this large. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
const PREFIX = 'syncframe-spool-';
/** Tells this process from an earlier one that had the same pid (a restarted container is pid 1 again). */
const BOOT = randomBytes(4).toString('hex');
const defaultParent = () => process.env.SYNCFRAME_SPOOL_DIR || tmpdir();

/**
 * A run's spilled pulled records in a file of JSON lines in a fresh temporary folder (under
 * `SYNCFRAME_SPOOL_DIR`, else the OS temp folder), deleted by `close`. Records are appended a page at
 * a time and read back a chunk at a time; records that lie next to each other in the file (a chunk
 * follows the pull order) are read in one call. The folder's name carries the process id and a
 * per-process boot id, so a worker starting up can remove what a killed one left
 * ({@link FileRecordSpool.sweepStale}).
 */
export class FileRecordSpool implements RecordSpool<SpoolPlace> {
  private size = 0;
  private closed = false;

  private constructor(private readonly dir: string, private readonly file: FileHandle) {}

  /**
   * A new spool under `parent`. Storage errors (a full disk, a missing or read-only folder, no file
   * handles left), here and in `write`/`read`, are `SpoolUnavailableError`s: the run is retried later,
   * not counted against a remote.
   */
  static async open(parent = defaultParent()): Promise<FileRecordSpool> {
    let dir: string;
    try {
      dir = await mkdtemp(join(parent, `${PREFIX}${process.pid}-${BOOT}-`));
    } catch (err) {
      throw spoolError(err, 'create', parent);
    }
    try {
      return new FileRecordSpool(dir, await open(join(dir, 'pulled.jsonl'), 'w+', 0o600));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw spoolError(err, 'create', parent);
    }
  }

  /**
   * Removes the spools of processes that are gone: those of another pid that no longer runs, and
   * those of this pid from an earlier boot (a container restarted after a kill). Returns the
   * folders removed.
   */
  static async sweepStale(parent = defaultParent()): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      const m = new RegExp(`^${PREFIX}(\\d+)-([0-9a-f]+)-`).exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      const stale = pid === process.pid ? m[2] !== BOOT : !isRunning(pid);
      if (!stale) continue;
      await rm(join(parent, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  /** The folder holding the file (deleted on close). */
  get path(): string {
    return this.dir;
  }

  async write(records: readonly SyncRecord[]): Promise<SpoolPlace[]> {
    const places: SpoolPlace[] = [];
    const lines: Buffer[] = [];
    let offset = this.size;
    for (const record of records) {
      const line = Buffer.from(`${JSON.stringify(record)}\n`);
      places.push({ offset, length: line.length });
      lines.push(line);
      offset += line.length;
    }
    const data = Buffer.concat(lines);
    // The range is taken before the first await: both sides pull at once, and two writes must not
    // land at the same place. A write that fails leaves a hole no place points into.
    const start = this.size;
    this.size = offset;
    let written = 0;
    try {
      while (written < data.length) written += (await this.file.write(data, written, data.length - written, start + written)).bytesWritten;
    } catch (err) {
      throw spoolError(err, 'write', this.dir);
    }
    return places;
  }

  async read(places: readonly SpoolPlace[]): Promise<SyncRecord[]> {
    const out = new Array<SyncRecord>(places.length);
    const order = places.map((_, i) => i).sort((a, b) => places[a]!.offset - places[b]!.offset);
    for (let k = 0; k < order.length;) {
      // A run of records that follow each other in the file, read in one call.
      const first = places[order[k]!]!;
      let end = k + 1;
      let bytes = first.length;
      while (end < order.length) {
        const next = places[order[end]!]!;
        const prev = places[order[end - 1]!]!;
        if (next.offset !== prev.offset + prev.length || bytes + next.length > MAX_READ_BYTES) break;
        bytes += next.length;
        end++;
      }
      const buffer = Buffer.alloc(bytes);
      let read = 0;
      while (read < bytes) {
        const n = (await this.file.read(buffer, read, bytes - read, first.offset + read).catch((err: unknown) => {
          throw spoolError(err, 'read', this.dir);
        })).bytesRead;
        if (n === 0) throw new Error(`spool file ended at ${first.offset + read} bytes; expected ${first.offset + bytes}`);
        read += n;
      }
      for (let i = k; i < end; i++) {
        const place = places[order[i]!]!;
        const start = place.offset - first.offset;
        out[order[i]!] = JSON.parse(buffer.toString('utf8', start, start + place.length - 1)) as SyncRecord;
      }
      k = end;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.file.close();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
