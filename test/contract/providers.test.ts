import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBot } from '../../src/bots/define';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/base/log';
import { NormalizedEvent } from '../../src/model';
import { PROVIDERS } from '../../src/providers';
import type { ProviderAdapter, WebhookRequest } from '../../src/providers/types';
import { createSwitchboard, type Switchboard } from '../../src/app/switchboard';
import { tempDir } from '../helpers/process';
import type { ProviderContract, WebhookFixture } from './types';

/**
 * The contract every provider folder passes (issue 3), in the spirit of vercel/chat's adapter
 * contract suites. For each provider in src/providers/index.ts it loads test/fixtures/<name>/index.ts
 * and checks, through the real webhook route of an in-process server: fixtures round-trip through
 * normalize into valid model events; a retried delivery is a duplicate and stores nothing; our own
 * echoes never reach a bot while inbound messages do; bad bodies → 400, wrong secret → 401,
 * oversize → 413, each storing nothing. A new provider is picked up with no change here.
 */

const ADMIN = 'contract-admin-token';

type Loaded = { adapter: ProviderAdapter; contract?: ProviderContract; problem?: string };

const loaded: Loaded[] = await Promise.all(
  PROVIDERS.map(async (adapter): Promise<Loaded> => {
    const file = fileURLToPath(new URL(`../fixtures/${adapter.name}/index.ts`, import.meta.url));
    if (!existsSync(file))
      return {
        adapter,
        problem: `provider "${adapter.name}" has no fixtures: add test/fixtures/${adapter.name}/index.ts exporting \`contract: ProviderContract\``,
      };
    const mod = (await import(`../fixtures/${adapter.name}/index.ts`)) as { contract?: ProviderContract };
    if (!mod.contract) return { adapter, problem: `test/fixtures/${adapter.name}/index.ts does not export \`contract\`` };
    if (mod.contract.provider !== adapter.name) return { adapter, problem: `test/fixtures/${adapter.name}/index.ts names provider "${mod.contract.provider}"` };
    return { adapter, contract: mod.contract };
  }),
);

const requestOf = (f: { contentType: string; body: string; headers?: Record<string, string> }, common?: Record<string, string>): WebhookRequest => {
  const headers: Record<string, string> = { 'content-type': f.contentType };
  for (const [k, v] of Object.entries({ ...common, ...f.headers })) headers[k.toLowerCase()] = v;
  return { headers, rawBody: Buffer.from(f.body, 'utf8'), contentType: f.contentType };
};

for (const { adapter, contract, problem } of loaded) {
  describe(`provider contract: ${adapter.name}`, () => {
    if (!contract) {
      it('has a fixtures file', () => {
        throw new Error(problem);
      });
      return;
    }
    const c = contract;
    const dir = tempDir('switchboard-contract-');
    const reached: { kind: string; externalId: string | null }[] = [];
    const logLines: string[] = [];
    let sb: Switchboard;
    let url: string;

    const recorder = defineBot({
      name: 'contract-recorder',
      onMessage: (ctx) => void reached.push({ kind: 'message', externalId: ctx.message?.externalId ?? null }),
      onSession: (ctx) => void reached.push({ kind: 'session', externalId: ctx.message?.externalId ?? null }),
      onPresence: () => void reached.push({ kind: 'presence', externalId: null }),
    });

    const post = (f: { contentType: string; body: string; headers?: Record<string, string> }, secret = c.secret) =>
      fetch(`${url}/webhooks/${c.provider}/${encodeURIComponent(secret)}`, {
        method: 'POST',
        headers: { ...c.headers, ...f.headers, 'content-type': f.contentType },
        body: f.body,
      });
    const health = async () => {
      const r = await fetch(`${url}/api/health`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const body = (await r.json()) as {
        providers: { provider: string; deliveries: number; duplicatesDropped: number; quarantined: number; rejected: number }[];
      };
      return body.providers.find((p) => p.provider === c.provider)!;
    };

    beforeAll(async () => {
      const config = loadConfig({ ...c.env, DATA_DIR: dir.path, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn', BOTS: '' });
      const stream = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
      const log = createLogger({ level: 'warn', secrets: [], stream });
      sb = await createSwitchboard(config, { bots: [recorder], log });
      expect(sb.adapters.has(c.provider), `contract.env must enable ${c.provider} (set ${adapter.enableVariable})`).toBe(true);
      url = `http://127.0.0.1:${(await sb.listen(0)).port}`;
    });
    afterAll(async () => {
      await sb?.stop();
      dir.remove();
    });

    it('has fixtures, invalid bodies, and a valid ownEcho reference', () => {
      expect(c.fixtures.length).toBeGreaterThan(0);
      expect(c.invalidBodies.length).toBeGreaterThan(0);
      if (c.ownEcho)
        expect(
          c.fixtures.map((f) => f.name),
          `ownEcho "${c.ownEcho}" names no fixture`,
        ).toContain(c.ownEcho);
    });

    it.each(c.fixtures.map((f) => [f.name, f] as const))('round-trips through parse and normalize: %s', (_name, f: WebhookFixture) => {
      const config = sb.config;
      const first = adapter.parse(requestOf(f, c.headers), config);
      if (!first.ok) throw new Error(`parse rejected the fixture: ${first.error}`);
      expect(first.deliveries.length).toBeGreaterThan(0);
      const again = adapter.parse(requestOf(f, c.headers), config);
      expect(again.ok && again.deliveries.map((d) => d.key), 'dedupe keys must not change between two parses of the same body').toEqual(
        first.deliveries.map((d) => d.key),
      );
      let events = 0;
      for (const d of first.deliveries) {
        // The payload is stored as JSON and normalized later, possibly after a restart.
        const stored = JSON.parse(JSON.stringify(d.payload));
        for (const e of adapter.normalize(stored, { config, receivedAt: '2024-01-02T03:04:05.000Z' })) {
          const check = NormalizedEvent.safeParse(e);
          expect(check.success, check.success ? '' : `event does not match the model: ${check.error.message}`).toBe(true);
          if (e.type !== 'sequence') events++;
        }
      }
      expect(events).toBeGreaterThanOrEqual(f.minEvents);
    });

    it('answers 200 to each fixture, once stored; a retry is a duplicate and stores nothing', async () => {
      for (const f of c.fixtures) {
        const deliveries = (adapter.parse(requestOf(f, c.headers), sb.config) as { deliveries: unknown[] }).deliveries.length;
        const before = reached.length;
        const r = await post(f);
        const body = (await r.json()) as { stored: number; duplicates: number; error?: string };
        expect(r.status, `${f.name}: ${body.error ?? ''}`).toBe(200);
        expect(body.stored + body.duplicates, f.name).toBe(deliveries);
        await sb.idle();
        const mark = await health();

        const retry = await post(f);
        expect(retry.status, f.name).toBe(200);
        expect(await retry.json(), `${f.name}: a retry must be reported as duplicates`).toMatchObject({ stored: 0, duplicates: deliveries });
        await sb.idle();
        const after = await health();
        expect(after.deliveries, `${f.name}: a retry stored something`).toBe(mark.deliveries);
        expect(after.duplicatesDropped).toBe(mark.duplicatesDropped + deliveries);

        const triggered = reached.slice(before);
        if (f.name === c.ownEcho) expect(triggered, `${f.name}: our own echo reached a bot`).toEqual([]);
        else if (f.reachesBots) expect(triggered.length, `${f.name}: should have reached the bot`).toBeGreaterThan(0);
      }
      // A retry never runs a bot twice.
      const keys = reached.filter((x) => x.externalId !== null).map((x) => `${x.kind}:${x.externalId}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it('keeps bodies our schema cannot read: 2xx once stored, quarantined with the reason, reaching no bot', async () => {
      expect(c.quarantined.length).toBeGreaterThan(0);
      for (const b of c.quarantined) {
        const before = await health();
        const reachedBefore = reached.length;
        const r = await post(b);
        const body = (await r.json()) as { stored: number; error?: string };
        expect(r.status, `${b.name}: ${body.error ?? ''}`).toBe(200);
        expect(body.stored, b.name).toBeGreaterThan(0);
        await sb.idle();
        const after = await health();
        expect(after.deliveries, b.name).toBe(before.deliveries + body.stored);
        expect(after.quarantined, `${b.name}: should be quarantined`).toBeGreaterThan(before.quarantined);
        expect(reached.slice(reachedBefore), `${b.name}: a quarantined delivery reached a bot`).toEqual([]);
      }
      const r = await fetch(`${url}/api/deliveries?provider=${c.provider}&status=quarantined&limit=500`, { headers: { authorization: `Bearer ${ADMIN}` } });
      const list = (await r.json()) as { deliveries: { id: number; reason: string | null }[] };
      expect(list.deliveries.length).toBe((await health()).quarantined);
      for (const d of list.deliveries) expect(d.reason, 'a quarantined delivery says why').toMatch(/\S/);
      // The raw body is kept as received, for replay after an upgrade.
      const one = (await (await fetch(`${url}/api/deliveries/${list.deliveries[0]!.id}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
        delivery: { body: string | null };
      };
      expect(c.quarantined.map((b) => b.body)).toContain(one.delivery.body);
    });

    it('rejects bodies that do not decode or carry no delivery id with 400 and a JSON error, storing nothing', async () => {
      const before = await health();
      for (const b of c.invalidBodies) {
        const r = await post(b);
        expect(r.status, b.name).toBe(400);
        expect(r.headers.get('content-type'), b.name).toMatch(/json/);
        const body = (await r.json()) as { error?: unknown };
        expect(typeof body.error, b.name).toBe('string');
        expect((body.error as string).length).toBeGreaterThan(0);
      }
      await sb.idle();
      const after = await health();
      expect(after.deliveries).toBe(before.deliveries);
      expect(after.rejected).toBe(before.rejected + c.invalidBodies.length);
    });

    it('answers a wrong or missing secret with 401 and stores nothing', async () => {
      const before = await health();
      const f = c.fixtures[0]!;
      const wrong = await post(f, `${c.secret}-wrong`);
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error?: string }).error).toBeTypeOf('string');
      expect((await post(f, 'x')).status).toBe(401);
      expect((await health()).deliveries).toBe(before.deliveries);
    });

    it('answers a body over BODY_LIMIT with 413 and stores nothing', async () => {
      const before = await health();
      const f = c.fixtures[0]!;
      const r = await post({ ...f, body: f.body + ' '.repeat(sb.config.BODY_LIMIT + 1) });
      expect(r.status).toBe(413);
      expect(((await r.json()) as { error?: string }).error).toBeTypeOf('string');
      expect((await health()).deliveries).toBe(before.deliveries);
    });

    it('never crashed nor logged an error while doing so', () => {
      expect(logLines.filter((l) => /"level":"error"/.test(l))).toEqual([]);
    });
  });
}
