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

export function summarizeProfiles(dir: string, top: number): string[] {
  const lines: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
    const all = topSelfTime(profile, top + 1);
    const idle = all.find((t) => t.name === '(idle)')?.share ?? 0;
    // tsx's module-loader thread writes a profile too; it idles through the run.
    if (idle > 0.9) continue;
    lines.push('', `top self time, ${file} (busy ${((1 - idle) * 100).toFixed(0)}% of the time):`);
    for (const t of all.filter((x) => x.name !== '(idle)').slice(0, top)) lines.push(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.ms.toFixed(0).padStart(7)} ms  ${t.name}`);
  }
  return lines;
}
