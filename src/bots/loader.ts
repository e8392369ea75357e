import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '../config/env';
import { isBot, type Bot } from './define';

const botsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bots');

export function availableBots(dir = botsDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .map((f) => f.replace(/\.(ts|js|mjs)$/, ''))
    .sort();
}

/** Load bots/<name>.ts for each name; an unknown name stops start-up naming BOTS. */
export async function loadBots(names: string[], dir = botsDir): Promise<Bot[]> {
  const have = availableBots(dir);
  const bots: Bot[] = [];
  for (const name of names) {
    if (!have.includes(name)) throw new ConfigError('BOTS', `no bot named "${name}" in bots/ (available: ${have.join(', ') || 'none'})`);
    const file = ['ts', 'js', 'mjs'].map((ext) => join(dir, `${name}.${ext}`)).find(existsSync)!;
    const mod = await import(pathToFileURL(file).href);
    const bot = mod.default;
    if (!isBot(bot)) throw new ConfigError('BOTS', `bots/${name} must export default defineBot({ … })`);
    bots.push(bot);
  }
  return bots;
}
