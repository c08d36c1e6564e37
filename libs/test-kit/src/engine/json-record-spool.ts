import type { RecordSpool, SyncRecord } from '@syncframe/engine';

/**
 * A spool that keeps each record as JSON text and hands back fresh copies: what a file spool does,
 * in memory. A run that relied on a pulled record's identity, or on anything JSON does not carry,
 * fails with it. Counts what went through it.
 */
export class JsonRecordSpool implements RecordSpool<number> {
  private readonly lines: string[] = [];
  written = 0;
  readBack = 0;
  closed = false;

  async write(records: readonly SyncRecord[]): Promise<number[]> {
    if (this.closed) throw new Error('spool is closed');
    this.written += records.length;
    return records.map((r) => this.lines.push(JSON.stringify(r)) - 1);
  }

  async read(refs: readonly number[]): Promise<SyncRecord[]> {
    if (this.closed) throw new Error('spool is closed');
    this.readBack += refs.length;
    return refs.map((i) => JSON.parse(this.lines[i]!) as SyncRecord);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
