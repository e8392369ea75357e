/** Shared clock and percentiles for the load generator, the reply sink and the report. */

/**
 * Microseconds on the machine's monotonic clock (CLOCK_MONOTONIC through process.hrtime), which
 * every process on the machine shares, so a send time written into a message by the load
 * generator can be compared with the arrival time of its reply at the fake provider.
 */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): Percentiles {
  if (values.length === 0) return { n: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
