import { describe, expect, it } from 'vitest';
import { chunks } from '../../src/store/chunks';

describe('multi-row statement chunks', () => {
  it('are at most 128 rows and only power-of-two sizes, so few statement texts exist', () => {
    const sizes = (n: number) => chunks(Array.from({ length: n }, (_, i) => i)).map((c) => c.length);
    expect(sizes(0)).toEqual([]);
    expect(sizes(1)).toEqual([1]);
    expect(sizes(200)).toEqual([128, 64, 8]);
    expect(sizes(1000)).toEqual([128, 128, 128, 128, 128, 128, 128, 64, 32, 8]);
    // Every count from 1 to 1,000 uses one of 8 shapes, and keeps every row once, in order.
    const shapes = new Set<number>();
    for (let n = 1; n <= 1000; n++) {
      const parts = chunks(Array.from({ length: n }, (_, i) => i));
      parts.forEach((p) => shapes.add(p.length));
      expect(parts.flat()).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect([...shapes].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
  });
});
