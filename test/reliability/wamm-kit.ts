import { spawn } from 'node:child_process';
import { FakeWamm } from '../fakes/wamm';
import { wammMessage } from '../fixtures/wamm';
import { postJson } from '../helpers/http';
import { CLI, startServer, tempDir, type ServerProcess } from '../helpers/process';

/** One WAMM deployment for the reliability suites: a fake WAMM API and the real server process. */
export const SECRET = 'wamm-reliability-secret-1';
export const ADMIN = 'admin-reliability-token-1';
export const TOKEN = 'wamm-reliability-api-token-1';
export const ACCOUNT = '79990000000';

export const wammMsg = (id: number | string, text: string, extra: Record<string, unknown> = {}) => wammMessage({ msg_id: id, msg_text: text, ...extra });

export class WammKit {
  readonly dir = tempDir('switchboard-rel-');
  readonly wamm = new FakeWamm(TOKEN, 'UTC');
  sb!: ServerProcess;
  env: Record<string, string> = {};

  /** extraEnv: a variable given as undefined is left out (the default configuration). */
  async start(extraEnv: Record<string, string | undefined> = {}): Promise<this> {
    await this.wamm.start();
    const env: Record<string, string | undefined> = {
      DATA_DIR: this.dir.path,
      WAMM_WEBHOOK_SECRET: SECRET,
      WAMM_API_TOKEN: TOKEN,
      WAMM_API_URL: this.wamm.url,
      WAMM_TIMEZONE: 'UTC',
      WAMM_SEND_INTERVAL_MS: '1',
      WAMM_POLL_INTERVAL_MS: '3600000',
      OUTBOX_RETRY_BASE_MS: '20',
      ADMIN_TOKEN: ADMIN,
      BOTS: 'echo',
      ...extraEnv,
    };
    this.env = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    this.sb = await startServer(this.env);
    return this;
  }

  async restart(extraEnv: Record<string, string> = {}): Promise<void> {
    this.sb = await startServer({ ...this.env, ...extraEnv });
  }

  async stop(): Promise<void> {
    await this.sb?.stop('SIGKILL');
    await this.wamm.stop();
    this.dir.remove();
  }

  post(body: unknown, secret = SECRET): Promise<Response> {
    return postJson(`${this.sb.url}/webhooks/wamm/${secret}`, body);
  }

  async api(path: string): Promise<any> {
    const r = await fetch(`${this.sb.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}`);
    return r.json();
  }

  async health(): Promise<any> {
    return (await this.api('/api/health')).providers.find((p: any) => p.provider === 'wamm');
  }

  /** `npm run cli -- …` against this deployment's DATA_DIR: the exit code, what it printed (stdout) and said about it (stderr: the store it opened, errors). */
  cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [...CLI, ...args], { env: { PATH: process.env.PATH, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
    });
  }
}
