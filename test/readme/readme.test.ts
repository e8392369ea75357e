import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/base/log';
import { loadRoutes } from '../../src/bots/config';
import { expandKnowledgeFiles } from '../../src/bots/knowledge';
import { loadConfig } from '../../src/config/env';
import { freePort, tempDir } from '../helpers/process';

/**
 * The README's commands, run as written: the Quick start's server and simulator, the quick start
 * block's scripts, the "Write a bot" files and the command that runs the bot's test. Only PORT and
 * DATA_DIR are added to the environment (so the test neither takes port 3000 nor writes ./data);
 * the commands name every other variable themselves.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced block right after `<!-- readme-test: name -->`. */
function marked(name: string): string {
  const m = readme.match(new RegExp(`<!-- readme-test: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``));
  if (!m) throw new Error(`README.md has no block marked readme-test: ${name}`);
  return m[1].trim();
}

/** The fenced block that follows the paragraph naming `file` in "Write a bot". */
function blockAfter(label: string): string {
  const at = readme.indexOf(label);
  if (at < 0) throw new Error(`README.md does not mention ${label}`);
  const m = readme.slice(at).match(/```ts\n([\s\S]*?)```/);
  if (!m) throw new Error(`no ts block after ${label}`);
  return m[1];
}

interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function sh(command: string, env: Record<string, string>): Run {
  let out = '';
  // Its own process group, so the TERM below reaches npm and the node it execs, as a terminal's would.
  const child = spawn('sh', ['-c', command], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out: () => out, exited };
}

async function until(what: string, run: Run, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return;
    if (run.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen; output:\n${run.out()}`);
}

describe('the README, as written', () => {
  const dir = tempDir('readme-');
  afterAll(() => dir.remove());

  it('quick start: the server command starts, the simulator gets the bot answer, TERM stops it', async () => {
    const port = String(await freePort());
    const env = { PORT: port, DATA_DIR: dir.path };
    const server = sh(marked('quick-start-server'), env);
    try {
      await until('the server listening', server, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
      const sim = sh(marked('quick-start-simulate'), env);
      expect(await sim.exited).toBe(0);
      expect(sim.out()).toMatch(/→ 200 \{"ok":true,"stored":1,"duplicates":0\}/);
      expect(sim.out()).toContain('← We are open Monday to Friday, 9:00 to 18:00.');
    } finally {
      process.kill(-server.child.pid!, 'SIGTERM');
    }
    await server.exited; // the shell itself dies of the TERM; the server drains and says so
    await until('the server stopped', server, async () => /"message":"stopped"/.test(server.out()), 15_000).catch(() => {});
    expect(server.out()).toMatch(/"message":"SIGTERM received; draining/);
    expect(server.out()).toMatch(/"message":"stopped"/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('quick start block: every command is a script package.json has, and `npm start -- --help` answers', async () => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const block = readme.match(/## Quick start\n\n```\n([\s\S]*?)```/)![1];
    const commands = block
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm install', 'npm start', 'npm test', 'npm run dev']);
    for (const c of commands.slice(1)) expect(scripts[c.replace(/^npm (run )?/, '')], c).toBeTruthy();
    // npm test runs the type check, the lint and the tests (scripts/test.mjs starts them together).
    expect(scripts.test).toBe('node scripts/test.mjs');
    const runner = readFileSync(join(root, 'scripts', 'test.mjs'), 'utf8');
    for (const part of ["'typecheck'", "'lint'", "'vitest', 'run'"]) expect(runner).toContain(part);
    const help = sh('npm start -- --help', {});
    expect(await help.exited).toBe(0);
    expect(help.out()).toMatch(/PORT/);
    expect(help.out()).toMatch(/DATA_DIR/);
  });

  it('write a bot: the bot and its test are the files shipped, and the test command runs and passes', async () => {
    expect(blockAfter('(`bots/hours.ts`')).toBe(readFileSync(join(root, 'bots/hours.ts'), 'utf8'));
    expect(blockAfter('(`bots/hours.test.ts`')).toBe(readFileSync(join(root, 'bots/hours.test.ts'), 'utf8'));
    const command = readme.match(/`(npx vitest run bots\/hours\.test\.ts)`/)![1];
    const run = sh(command, {});
    expect(await run.exited, run.out()).toBe(0);
    expect(run.out()).toMatch(/1 passed/);
    const typecheck = readme.match(/`(npm run typecheck)`/)![1];
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.typecheck).toMatch(/^tsc --noEmit .*-p \. /);
    expect(typecheck).toBe('npm run typecheck');
  });

  it("the assistant's bots.json route loads as written: its knowledge files exist and its options check", async () => {
    const at = readme.indexOf('### An assistant that knows your business');
    const json = readme.slice(at).match(/```json\n([\s\S]*?)```/)![1]!;
    expect(json.split('\n').filter(Boolean).length).toBeLessThanOrEqual(12);
    const dir = tempDir('readme-assistant-');
    try {
      writeFileSync(join(dir.path, 'bots.json'), json);
      const config = loadConfig({ BOTS_CONFIG: join(dir.path, 'bots.json'), OPENAI_API_KEY: 'sk-readme', TELEGRAM_OPERATOR_CHAT_ID: '-100123' });
      const log = createLogger({ level: 'error', secrets: [], stream: new Writable({ write: (_c, _e, cb) => cb() }) });
      const { routes } = await loadRoutes(config, log);
      expect(routes.map((r) => r.bot.name)).toEqual(['handoff', 'assistant']);
      expect(routes[1]!.options).toMatchObject({ knowledge: ['config/knowledge/*.md'], maxTurnsBeforeHandoff: 10 });
      expect(expandKnowledgeFiles(['config/knowledge/*.md'], root).length).toBeGreaterThan(0);
    } finally {
      dir.remove();
    }
  });
});
