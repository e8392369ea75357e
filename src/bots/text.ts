/** Text helpers bots share. */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Any of these words or phrases as whole words, any case, any script: "price" matches "Price?"
 * but not "priceless"; "цена" matches "Какая цена?". (\b knows only ASCII letters.)
 */
export function wordsPattern(words: string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

/**
 * Text cut to at most `max` characters for a provider's limit: at the last sentence end (or line
 * break) in the second half of the room when there is one, so a long model answer ends on a whole
 * sentence; otherwise cut hard and marked with "…".
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max);
  let end = -1;
  for (const m of room.matchAll(/[.!?…。](?=\s)|\n/g)) end = m.index! + (m[0] === '\n' ? 0 : 1);
  if (end >= max / 2) return room.slice(0, end).trimEnd();
  return `${text.slice(0, max - 1)}…`;
}
