import { createHash, timingSafeEqual } from 'node:crypto';

const digests = new Map<string, Buffer>();

/** Constant-time comparison that also hides the length of the expected value. */
export function secretEquals(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  // The expected values are the few configured secrets: hash each once, not on every request.
  let b = digests.get(expected);
  if (!b) {
    b = createHash('sha256').update(expected).digest();
    if (digests.size < 100) digests.set(expected, b);
  }
  return timingSafeEqual(a, b);
}
