import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * `.env` in the current directory, read at start (server and CLI) when it exists. A variable
 * already in the environment wins over the file, so a supervisor's or a shell's setting is never
 * overridden by a file someone left behind. Node's parser (`node --env-file` syntax: KEY=value,
 * quotes, # comments).
 */
export interface EnvFileResult {
  /** The absolute path read, or undefined when there was no file. */
  file?: string;
  /** Variables taken from the file (not those the environment already had). */
  applied: string[];
}

export function readEnvFile(env: NodeJS.ProcessEnv = process.env, dir = process.cwd()): EnvFileResult {
  const file = resolve(dir, '.env');
  if (!existsSync(file)) return { applied: [] };
  const parsed = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  const applied: string[] = [];
  for (const [k, v] of Object.entries(parsed)) {
    if (env[k] !== undefined) continue;
    env[k] = v;
    applied.push(k);
  }
  return { file, applied };
}
