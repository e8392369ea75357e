import { KnowledgeIndex } from '../src/bots/knowledge';

/**
 * How far the assistant's brute-force knowledge search goes: an index of `chunks` vectors of
 * text-embedding-3-small's 1,536 dimensions (random, unit length), searched for the top 4 as each
 * question is; reported as chunks scanned per millisecond and the time per question at each size.
 */
export function runKnowledge(out: (s: string) => void, sizes = [1_000, 10_000, 50_000], dims = 1536) {
  out('');
  out(`Knowledge search (brute-force cosine, ${dims} dimensions, top 4):`);
  const results: { chunks: number; msPerQuery: number; chunksPerMs: number }[] = [];
  let seed = 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  for (const n of sizes) {
    const chunks = Array.from({ length: n }, (_, i) => ({ source: `f${i % 50}.md`, text: '', vector: Float32Array.from({ length: dims }, rand) }));
    const index = new KnowledgeIndex(chunks);
    const queries = Array.from({ length: 20 }, () => Float32Array.from({ length: dims }, rand));
    index.search(queries[0]!, 4); // warm-up
    const started = performance.now();
    for (const q of queries) index.search(q, 4);
    const msPerQuery = (performance.now() - started) / queries.length;
    results.push({ chunks: n, msPerQuery, chunksPerMs: n / msPerQuery });
    out(`  ${n.toLocaleString('en')} chunks: ${msPerQuery.toFixed(2)} ms per question, ${(n / msPerQuery).toFixed(0)} chunks/ms`);
  }
  return results;
}

if (process.argv[1]?.endsWith('knowledge.ts')) runKnowledge((s) => process.stdout.write(`${s}\n`));
