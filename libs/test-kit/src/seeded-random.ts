/** A seeded pseudo-random generator (mulberry32): the same seed replays the same fault scenario. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a fault test: `FAULT_SEED` when set (to replay a failure), else a fresh one. Printed by the caller. */
export function faultSeed(): number {
  const given = process.env.FAULT_SEED;
  return given ? Number(given) : Math.floor(Math.random() * 2 ** 31);
}

/** A whole number in [min, max]. */
export const between = (rand: () => number, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
