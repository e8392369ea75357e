import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/env';
import { compiled, packageRoot } from '../base/paths';
import { isBot, type Bot } from './define';

const botsDir = join(packageRoot, 'bots');
const builtBotsDir = join(packageRoot, 'dist', 'bots');

export function availableBots(dir = botsDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .map((f) => f.replace(/\.(ts|js|mjs)$/, ''))
    .sort();
}

/**
 * The file to import for bots/<name>.*: the source itself under tsx; from dist/ the build's copy
 * (scripts/build.mjs compiles every bot with the server, so a bot shares the server's modules),
 * which must not be older than its source.
 */
function botFile(dir: string, name: string): string {
  const source = ['ts', 'js', 'mjs'].map((ext) => join(dir, `${name}.${ext}`)).find(existsSync)!;
  if (!compiled || dir !== botsDir) return source;
  const built = join(builtBotsDir, `${name}.js`);
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) {
    throw new ConfigError('BOTS', `bots/${name} changed since the last build: run \`npm run build\` (\`npm start\` builds first)`);
  }
  return built;
}

/** Load bots/<name>.ts for each name; an unknown name stops start-up naming BOTS. */
export async function loadBots(names: string[], dir = botsDir): Promise<Bot[]> {
  const have = availableBots(dir);
  const bots: Bot[] = [];
  for (const name of names) {
    if (!have.includes(name)) throw new ConfigError('BOTS', `no bot named "${name}" in bots/ (available: ${have.join(', ') || 'none'})`);
    const mod = await import(pathToFileURL(botFile(dir, name)).href);
    const bot = mod.default;
    if (!isBot(bot)) throw new ConfigError('BOTS', `bots/${name} must export default defineBot({ … })`);
    bots.push(bot);
  }
  return bots;
}
