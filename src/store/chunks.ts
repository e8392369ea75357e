/**
 * Multi-row statements take at most 128 rows (17 parameters a message: well under SQLite's and
 * PostgreSQL's limits), and only power-of-two counts: 200 rows go as 128 + 64 + 8. Every distinct
 * row count is another statement text, prepared and kept per connection; with any count allowed,
 * hundreds of variants of each statement piled up in memory under load.
 */
export function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  let i = 0;
  while (i < items.length) {
    let size = 128;
    while (size > items.length - i) size >>= 1;
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}
