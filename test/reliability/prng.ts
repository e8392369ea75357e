/** A small seeded generator (an LCG), so a failing run repeats with its seed. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}
