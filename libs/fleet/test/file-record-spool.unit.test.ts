import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isFatalRunError, isStoreUnavailableError } from '@syncframe/engine';
import type { SyncRecord } from '@syncframe/engine';
import { FileRecordSpool } from '../src/file-record-spool.js';
import { SpoolUnavailableError } from '../src/errors/spool-unavailable-error.js';

const parent = mkdtempSync(join(tmpdir(), 'spool-test-'));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

const record = (i: number, fields: Record<string, unknown> = {}): SyncRecord =>
  ({ id: `rec${i}`, fields: { Name: `name ${i}`, ...fields }, updatedAt: '2026-01-01T00:00:00.000Z', deleted: i % 7 === 0 });

describe('FileRecordSpool', () => {
  it('gives back the records written, in the order asked, whatever their place in the file', async () => {
    const spool = await FileRecordSpool.open(parent);
    const first = await spool.write([record(1), record(2, { Notes: 'é ✓ 𝄞 "quoted"\nline' })]);
    const second = await spool.write([record(3, { Tags: ['a', 'b'], N: 12.5, Nested: { x: null } }), record(4)]);
    const places = [second[1]!, first[0]!, second[0]!, first[1]!];
    expect(await spool.read(places)).toEqual([record(4), record(1), record(3, { Tags: ['a', 'b'], N: 12.5, Nested: { x: null } }), record(2, { Notes: 'é ✓ 𝄞 "quoted"\nline' })]);
    expect(await spool.read([])).toEqual([]);
    await spool.close();
  });

  it('keeps writes made at once apart (both sides pull at the same time)', async () => {
    const spool = await FileRecordSpool.open(parent);
    const a = Array.from({ length: 50 }, (_, i) => record(i, { Notes: 'a'.repeat(1000 + i) }));
    const b = Array.from({ length: 50 }, (_, i) => record(100 + i, { Notes: 'b'.repeat(200 * 1024) }));
    const [pa, pb] = await Promise.all([spool.write(a), spool.write(b)]);
    expect(await spool.read([...pb, ...pa])).toEqual([...b, ...a]);
    await spool.close();
  });

  it('reads many records and a record larger than one read', async () => {
    const spool = await FileRecordSpool.open(parent);
    const big = record(0, { Body: 'x'.repeat(9 * 1024 * 1024) });
    const records = [big, ...Array.from({ length: 5000 }, (_, i) => record(i + 1))];
    const places = await spool.write(records);
    const back = await spool.read(places);
    expect(back).toHaveLength(records.length);
    expect(back[0]!.fields.Body).toHaveLength(9 * 1024 * 1024);
    expect(back.slice(1)).toEqual(records.slice(1));
    await spool.close();
  });

  it('keeps its file in a folder of its own, readable by the owner only, and deletes it on close (twice is fine)', async () => {
    const spool = await FileRecordSpool.open(parent);
    await spool.write([record(1)]);
    const [file] = readdirSync(spool.path);
    expect(statSync(join(spool.path, file!)).mode & 0o777).toBe(0o600);
    await spool.close();
    await spool.close();
    expect(existsSync(spool.path)).toBe(false);
  });

  it('takes its folder from SYNCFRAME_SPOOL_DIR', async () => {
    const before = process.env.SYNCFRAME_SPOOL_DIR;
    process.env.SYNCFRAME_SPOOL_DIR = parent;
    try {
      const spool = await FileRecordSpool.open();
      expect(spool.path.startsWith(join(parent, 'syncframe-spool-'))).toBe(true);
      await spool.close();
    } finally {
      if (before === undefined) delete process.env.SYNCFRAME_SPOOL_DIR;
      else process.env.SYNCFRAME_SPOOL_DIR = before;
    }
  });
});

describe('FileRecordSpool on storage it cannot use', () => {
  it('a folder that does not exist: a SpoolUnavailableError naming it, which ends the run to be retried (no remote blamed)', async () => {
    const missing = join(parent, 'no-such-folder');
    const err = await FileRecordSpool.open(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolUnavailableError);
    expect((err as Error).message).toBe(`cannot create the run's spool of pulled records in ${missing} (ENOENT); set SYNCFRAME_SPOOL_DIR to a folder with room`);
    expect(isStoreUnavailableError(err) && isFatalRunError(err)).toBe(true);
  });

  it('a full disk while writing (the kernel\'s ENOSPC, from /dev/full): a SpoolUnavailableError; the spool still closes', async () => {
    const spool = await FileRecordSpool.open(parent);
    // The spool's own file swapped for /dev/full, where every write fails with ENOSPC.
    const real = (spool as unknown as { file: FileHandle }).file;
    (spool as unknown as { file: FileHandle }).file = await open('/dev/full', 'w');
    const err = await spool.write([record(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolUnavailableError);
    expect((err as Error).message).toMatch(/^cannot write the run's spool of pulled records in .* \(ENOSPC\)/);
    await real.close();
    await spool.close();
    expect(existsSync(spool.path)).toBe(false);
  });
});

describe('FileRecordSpool.sweepStale', () => {
  it('removes the spools of gone processes and of an earlier boot of this pid, and keeps live ones', async () => {
    const dir = mkdtempSync(join(parent, 'sweep-'));
    const live = await FileRecordSpool.open(dir);
    await live.write([record(1)]);
    const dead = join(dir, 'syncframe-spool-999999999-0badc0de-abc123');
    const earlierBoot = join(dir, `syncframe-spool-${process.pid}-00000000-abc123`);
    const other = join(dir, 'not-a-spool');
    for (const d of [dead, earlierBoot, other]) mkdirSync(d);
    // The parent of this test runner is alive: its spools stay.
    const parentProcess = join(dir, `syncframe-spool-${process.ppid}-0badc0de-abc123`);
    mkdirSync(parentProcess);
    const removed = await FileRecordSpool.sweepStale(dir);
    expect(removed.sort()).toEqual([basename(earlierBoot), basename(dead)].sort());
    expect(readdirSync(dir).sort()).toEqual([basename(live.path), 'not-a-spool', basename(parentProcess)].sort());
    expect(await live.read(await live.write([record(2)]))).toEqual([record(2)]);
    await live.close();
  });

  it('does nothing when the folder does not exist', async () => {
    expect(await FileRecordSpool.sweepStale(join(parent, 'missing'))).toEqual([]);
  });
});
