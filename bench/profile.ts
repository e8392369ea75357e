import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the server's time goes: the .cpuprofile files `node --cpu-prof` wrote, reduced to the
 * functions with the most self time (time spent in the function itself, not in what it calls).
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topSelfTime(profile: Profile, top: number): { name: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const n = byId.get(id);
    if (!n) return;
    const f = n.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules\/|src\/)/, '$1')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}

/**
 * Time per Switchboard function, including what it calls in libraries and Node: each sample goes to
 * the deepest frame from src/ (or dist/) on its stack; samples with none go to the library (node_modules
 * package) or to Node's own work (HTTP parsing, timers, GC, idle).
 */
export function byOwnCode(profile: Profile, top: number): { name: string; ms: number; share: number }[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, string>();
  const keyOf = (id: number): string => {
    const hit = cache.get(id);
    if (hit) return hit;
    let lib: string | undefined;
    let key: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      // Our code: src/ under tsx, dist/ (its chunks) when run as `npm start` runs it.
      const src = /\/(src|dist)\/(.+)$/.exec(f.url);
      if (src && !f.url.includes('node_modules')) {
        key = `${f.functionName || '(anonymous)'} ${src[1]}/${src[2]}`;
        break;
      }
      lib ??= /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1];
    }
    const own = byId.get(id)!.callFrame.functionName;
    key ??= lib ? `[${lib}]` : own.startsWith('(') ? own : '[node]';
    cache.set(id, key);
    return key;
  };
  const sums = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const k = keyOf(id);
    sums.set(k, (sums.get(k) ?? 0) + dt);
    total += dt;
  });
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}

export function summarizeProfiles(dir: string, top: number): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const all = topSelfTime(profile, top + 1);
    const idle = all.find((t) => t.name === '(idle)')?.share ?? 0;
    // A thread that idles through the run (tsx's module-loader thread under tsx) says nothing.
    if (idle > 0.9) continue;
    lines.push('', `top self time, ${file} (busy ${((1 - idle) * 100).toFixed(0)}% of the time):`);
    const show = (t: { name: string; ms: number; share: number }) =>
      lines.push(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.ms.toFixed(0).padStart(7)} ms  ${t.name}`);
    all
      .filter((x) => x.name !== '(idle)')
      .slice(0, top)
      .forEach(show);
    lines.push('', `time by Switchboard function (its library and Node calls included), ${file}:`);
    byOwnCode(profile, top)
      .filter((x) => x.name !== '(idle)')
      .forEach(show);
  }
  return lines;
}
