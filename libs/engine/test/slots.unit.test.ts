import { describe, expect, it } from 'vitest';
import { Slots } from '../src/slots.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  it('lets at most `size` tasks run at once, the others start in arrival order as slots free', async () => {
    const slots = new Slots(2);
    const gates: (() => void)[] = [];
    const started: number[] = [];
    const runs = [0, 1, 2, 3].map((i) => slots.run(async () => {
      started.push(i);
      await new Promise<void>((r) => gates.push(r));
      return i;
    }));
    await tick();
    expect(started).toEqual([0, 1]);
    gates[1]!();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]!();
    gates[3]!();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  });

  it('frees the slot of a task that throws', async () => {
    const slots = new Slots(1);
    await expect(slots.run(async () => {
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(await slots.run(async () => 'next')).toBe('next');
  });
});
