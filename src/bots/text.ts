/** Text helpers bots share. */

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Any of these words or phrases as whole words, any case, any script: "price" matches "Price?"
 * but not "priceless"; "цена" matches "Какая цена?". (\b knows only ASCII letters.)
 */
export function wordsPattern(words: string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}
