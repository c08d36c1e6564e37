import { describe, expect, it } from 'vitest';
import type { Link } from '@syncframe/engine';
import { LinkSaver } from '../src/link-saver.js';

const link = (id: string, hash = 'h'): Link => ({ sourceId: id, destId: `d-${id}`, sourceHash: hash, destHash: hash, deletedAt: null, syncedAt: '2026-01-01T00:00:00.000Z' });

/** A store whose saves finish only when the test says so. */
function gatedStore() {
  const saves: { links: readonly Link[]; finish(err?: Error): void }[] = [];
  const save = (links: readonly Link[]) => new Promise<void>((resolve, reject) => {
    saves.push({ links, finish: (err) => (err ? reject(err) : resolve()) });
  });
  return { saves, save };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('LinkSaver (group commit of landed batches\' links)', () => {
  it('saves the first batch at once and every batch that lands meanwhile together in the next save', async () => {
    const store = gatedStore();
    const saver = new LinkSaver(store.save, 100);
    const settled: string[] = [];
    const first = saver.save([link('a')]).then(() => settled.push('a'));
    const second = saver.save([link('b')]).then(() => settled.push('b'));
    const third = saver.save([link('c'), link('d')]).then(() => settled.push('cd'));
    await tick();
    expect(store.saves.map((s) => s.links.map((l) => l.sourceId))).toEqual([['a']]);
    store.saves[0]!.finish();
    await first;
    await tick();
    // Nobody is told their links are stored before the save holding them committed.
    expect(settled).toEqual(['a']);
    expect(store.saves.map((s) => s.links.map((l) => l.sourceId))).toEqual([['a'], ['b', 'c', 'd']]);
    store.saves[1]!.finish();
    await Promise.all([second, third]);
    expect(settled).toEqual(['a', 'b', 'cd']);
  });

  it('never puts more than maxPerSave links in one save (a batch bigger than that goes alone)', async () => {
    const saved: number[] = [];
    const saver = new LinkSaver(async (links) => { saved.push(links.length); }, 3);
    await Promise.all([saver.save([link('a'), link('b')]), saver.save([link('c'), link('d')]), saver.save([link('e')]), saver.save([link('f'), link('g'), link('h'), link('i')])]);
    expect(saved).toEqual([2, 3, 4]);
  });

  it('rejects every batch of a failed save, and saves later batches again', async () => {
    const store = gatedStore();
    const saver = new LinkSaver(store.save, 100);
    const a = saver.save([link('a')]);
    await tick();
    const b = saver.save([link('b')]);
    const c = saver.save([link('c')]);
    store.saves[0]!.finish();
    await a;
    await tick();
    store.saves[1]!.finish(new Error('lease lost'));
    await expect(b).rejects.toThrow('lease lost');
    await expect(c).rejects.toThrow('lease lost');
    const d = saver.save([link('d')]);
    await tick();
    store.saves[2]!.finish();
    await d;
    expect(store.saves.map((s) => s.links.map((l) => l.sourceId))).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('keeps one link per record pair in a save, the last given (an upsert may not touch a row twice)', async () => {
    const store = gatedStore();
    const saver = new LinkSaver(store.save, 100);
    const first = saver.save([link('x')]);
    await tick();
    const later = [saver.save([link('a', 'old')]), saver.save([link('a', 'new'), link('b')])];
    store.saves[0]!.finish();
    await first;
    await tick();
    expect(store.saves[1]!.links).toEqual([link('a', 'new'), link('b')]);
    store.saves[1]!.finish();
    await Promise.all(later);
  });
});
