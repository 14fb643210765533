/**
 * A small seeded PRNG (mulberry32). Math.random cannot be seeded, and every fault and every
 * generated inventory must be reproducible from a number someone can paste into a bug report.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both included. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(values: readonly T[]): T;
  shuffle<T>(values: T[]): T[];
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: <T>(values: readonly T[]): T => values[int(0, values.length - 1)],
    shuffle: <T>(values: T[]): T[] => {
      for (let i = values.length - 1; i > 0; i--) {
        const j = int(0, i);
        [values[i], values[j]] = [values[j], values[i]];
      }
      return values;
    },
  };
}
