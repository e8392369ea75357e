import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { BotStorage } from './define';

/**
 * Knowledge from files for bots that answer with a model (the shipped `assistant`): files and
 * globs expanded, split into chunks, embedded through a function the bot gives (the
 * OpenAI-compatible embeddings API), kept in the bot's storage under the model and the chunk's
 * content hash, and searched by cosine similarity. Keying by content means an unchanged file is
 * never embedded again, a changed one only where it changed, and an indexing that was interrupted
 * goes on where it stopped: each batch is stored as soon as it is embedded.
 */

export interface KnowledgeFile {
  /** As given or found, relative to the working directory when it is below it. */
  source: string;
  text: string;
}

export interface KnowledgeChunk {
  source: string;
  text: string;
  vector: Float32Array;
}

/** Embeds texts, in order; `tokens` is what the call cost, when the API says. */
export type Embed = (inputs: string[]) => Promise<{ vectors: number[][]; tokens?: number }>;

const TEXT_FILES = /\.(md|markdown|txt|text)$/i;

/** Files named by paths or globs (`*`, `?` within a folder, `**` across folders), Markdown and text, sorted, each once. */
export function expandKnowledgeFiles(patterns: string[], cwd = process.cwd()): string[] {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const abs = isAbsolute(pattern) ? pattern : resolve(cwd, pattern);
    if (!/[*?]/.test(abs)) {
      found.add(abs);
      continue;
    }
    const parts = abs.split(sep);
    const fixed = parts.findIndex((p) => /[*?]/.test(p));
    const base = parts.slice(0, fixed).join(sep) || sep;
    const matcher = globRegExp(parts.slice(fixed).join('/'));
    for (const file of walk(base)) if (matcher.test(relative(base, file).split(sep).join('/')) && TEXT_FILES.test(file)) found.add(file);
  }
  return [...found].sort();
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function* walk(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const p = join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st?.isDirectory()) yield* walk(p);
    else if (st?.isFile()) yield p;
  }
}

export function readKnowledgeFiles(paths: string[], cwd = process.cwd()): KnowledgeFile[] {
  return paths.map((p) => {
    const rel = relative(cwd, p);
    return { source: rel.startsWith('..') ? p : rel.split(sep).join('/'), text: readFileSync(p, 'utf8') };
  });
}

/**
 * Paragraphs gathered up to `maxChars`, a Markdown heading starting a new chunk and carried into
 * each chunk below it (so a chunk says what it is about); a paragraph longer than `maxChars` is
 * cut at sentence ends.
 */
export function chunkText(text: string, maxChars = 1200): string[] {
  const out: string[] = [];
  let heading = '';
  let current = '';
  const flush = () => {
    const body = current.trim();
    if (body) out.push(heading && !body.startsWith(heading) ? `${heading}\n${body}` : body);
    current = '';
  };
  for (const para of text.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const p = para.trim();
    if (!p) continue;
    if (/^#{1,6}\s/.test(p)) {
      flush();
      heading = p.split('\n')[0]!;
      const rest = p.split('\n').slice(1).join('\n').trim();
      if (rest) current = rest;
      continue;
    }
    for (const piece of p.length > maxChars ? splitSentences(p, maxChars) : [p]) {
      if (current && current.length + piece.length + 2 > maxChars) flush();
      current = current ? `${current}\n\n${piece}` : piece;
    }
  }
  flush();
  return out;
}

function splitSentences(p: string, maxChars: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const s of p.match(/[^.!?\n]+[.!?]*\s*/g) ?? [p]) {
    if (cur && cur.length + s.length > maxChars) {
      out.push(cur.trim());
      cur = '';
    }
    cur += s.length > maxChars ? s.slice(0, maxChars) : s;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

export interface IndexOptions {
  files: KnowledgeFile[];
  embed: Embed;
  storage: BotStorage;
  model: string;
  /** Texts per embeddings call. */
  batch?: number;
  maxChars?: number;
  progress?: (message: string, meta?: Record<string, unknown>) => void;
}

export interface IndexResult {
  index: KnowledgeIndex;
  chunks: number;
  /** Chunks embedded now (0 when nothing changed since the last run). */
  embedded: number;
  tokens: number;
}

/** Chunk, look up what is stored, embed only the rest (a batch at a time, each stored at once). */
export async function indexKnowledge(o: IndexOptions): Promise<IndexResult> {
  const batch = o.batch ?? 100;
  const wanted = new Map<string, { source: string; text: string }>();
  for (const f of o.files) for (const text of chunkText(f.text, o.maxChars)) wanted.set(`kchunk:${o.model}:${hash(text)}`, { source: f.source, text });
  const keys = [...wanted.keys()];
  const stored = await o.storage.get(keys);
  const missing = keys.filter((k) => !stored.has(k));
  let tokens = 0;
  if (missing.length > 0)
    o.progress?.(`knowledge: embedding ${missing.length} of ${keys.length} chunks (${o.files.length} files)`, { chunks: keys.length, missing: missing.length });
  for (let i = 0; i < missing.length; i += batch) {
    const part = missing.slice(i, i + batch);
    const { vectors, tokens: t } = await o.embed(part.map((k) => wanted.get(k)!.text));
    if (vectors.length !== part.length) throw new Error(`the embeddings API returned ${vectors.length} vectors for ${part.length} texts`);
    tokens += t ?? 0;
    const entries: [string, unknown][] = part.map((k, j) => [k, { source: wanted.get(k)!.source, vector: vectors[j] }]);
    await o.storage.put(entries);
    for (const [k, v] of entries) stored.set(k, v);
    o.progress?.(`knowledge: ${Math.min(i + batch, missing.length)} / ${missing.length} chunks embedded`, { done: Math.min(i + batch, missing.length) });
  }
  const chunks = keys.map((k) => {
    const v = stored.get(k) as { source: string; vector: number[] };
    return { source: wanted.get(k)!.source, text: wanted.get(k)!.text, vector: Float32Array.from(v.vector) };
  });
  return { index: new KnowledgeIndex(chunks), chunks: chunks.length, embedded: missing.length, tokens };
}

/** Brute-force cosine search over the chunks in memory. */
export class KnowledgeIndex {
  private readonly norms: Float32Array;

  constructor(readonly chunks: KnowledgeChunk[]) {
    this.norms = Float32Array.from(chunks, (c) => Math.sqrt(dot(c.vector, c.vector)) || 1);
  }

  search(query: number[] | Float32Array, k = 4, minScore = 0): { chunk: KnowledgeChunk; score: number }[] {
    const q = query instanceof Float32Array ? query : Float32Array.from(query);
    const qn = Math.sqrt(dot(q, q)) || 1;
    const scored: { i: number; score: number }[] = [];
    for (let i = 0; i < this.chunks.length; i++) {
      const score = dot(q, this.chunks[i]!.vector) / (qn * this.norms[i]!);
      if (score >= minScore) scored.push({ i, score });
    }
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, k).map(({ i, score }) => ({ chunk: this.chunks[i]!, score }));
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += a[i]! * b[i]!;
  return s;
}
