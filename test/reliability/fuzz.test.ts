import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers';
import type { ProviderContract } from '../contract/types';
import { createTestSchema, postgresUnavailable, type TestSchema } from '../helpers/postgres';
import { startInProcess, type InProcess } from './in-process';

/**
 * Hostile input, for every provider in the registry that has contract fixtures: thousands of
 * generated bodies per route (random bytes, invalid UTF-8, wrong types, missing fields, huge
 * strings, deep nesting, __proto__ keys, and published fixtures left intact), seeded so a
 * failure replays, on SQLite and PostgreSQL. The door's contract (issue 16): a body that does not
 * decode gets 400; one that decodes and carries its delivery id is stored and answered 2xx (read,
 * or quarantined for replay); never a 5xx, never a crash, nothing answered 2xx lost.
 */
// 400 bodies per route in `npm test` (each route still sees every kind of body above); FUZZ_PER_ROUTE=5000 for a deeper run.
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 400);
const ADMIN = 'fuzz-admin-token';

function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function randomValue(r: Rand, depth = 0): unknown {
  switch (Math.floor(r() * (depth > 2 ? 7 : 9))) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, [0, -1, 1e308, -0, 2 ** 53 + 1, 3.14, Number.MAX_SAFE_INTEGER]);
    case 3:
      return pick(r, ['', ' ', 'x', '1', '-1', 'null', '2023-13-45 99:99:99', '\u0000', '\ud800', '🙂'.repeat(50)]);
    case 4:
      return 'A'.repeat(Math.floor(r() * 200_000));
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return [randomValue(r, depth + 1), randomValue(r, depth + 1)];
    default:
      return { [pick(r, ['__proto__', 'constructor', 'prototype', 'toString', 'x'])]: randomValue(r, depth + 1) };
  }
}

/** Change one place in a JSON value: drop a key, swap a value for another type, add a hostile key. */
function mutate(r: Rand, v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0 || r() < 0.2) return randomValue(r);
    const copy = [...v];
    const i = Math.floor(r() * copy.length);
    copy[i] = mutate(r, copy[i]);
    return copy;
  }
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const roll = r();
    if (keys.length === 0 || roll < 0.15) return randomValue(r);
    const k = pick(r, keys);
    if (roll < 0.35) delete copy[k];
    else if (roll < 0.5) Object.defineProperty(copy, '__proto__', { value: { polluted: true, [k]: randomValue(r) }, enumerable: true });
    else if (roll < 0.75) copy[k] = randomValue(r);
    else copy[k] = mutate(r, copy[k]);
    return copy;
  }
  return randomValue(r);
}

interface FuzzBody {
  body: Buffer | string;
  contentType: string;
  /** A fixture as published: it decodes and carries its delivery id, so it must be stored (2xx). */
  intact?: boolean;
}

function body(r: Rand, fixtures: ProviderContract['fixtures']): FuzzBody {
  const f = pick(r, fixtures);
  const roll = r();
  if (roll > 0.95) return { body: f.body, contentType: f.contentType, intact: true };
  if (roll < 0.1)
    return {
      body: Buffer.from(Array.from({ length: Math.floor(r() * 3000) }, () => Math.floor(r() * 256))),
      contentType: pick(r, [f.contentType, 'application/octet-stream', '']),
    };
  if (roll < 0.2) {
    const raw = Buffer.from(f.body);
    const at = Math.floor(r() * raw.length);
    return {
      body: Buffer.concat([
        raw.subarray(0, at),
        Buffer.from(pick(r, [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]])),
        raw.subarray(at),
      ]),
      contentType: f.contentType,
    };
  }
  if (roll < 0.25) {
    const depth = 1000 + Math.floor(r() * 50_000);
    return { body: '['.repeat(depth) + ']'.repeat(depth), contentType: 'application/json' };
  }
  if (roll < 0.3) return { body: f.body.slice(0, Math.floor(r() * f.body.length)), contentType: f.contentType };
  let parsed: unknown;
  try {
    parsed = JSON.parse(f.body);
  } catch {
    // Form bodies: flip bytes instead.
    return { body: f.body.replace(/[=&]/g, () => pick(r, ['=', '&', '%', '%zz', '=='])), contentType: f.contentType };
  }
  let v = parsed;
  for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++) v = mutate(r, v);
  return { body: JSON.stringify(v) ?? 'undefined', contentType: f.contentType };
}

const contracts = await Promise.all(
  PROVIDERS.map(async (p) => {
    const file = join(import.meta.dirname, '..', 'fixtures', p.name, 'index.ts');
    return existsSync(file) ? ((await import(file)).contract as ProviderContract) : undefined;
  }),
);
const fuzzable = contracts.filter((c): c is ProviderContract => !!c);

/** A JSON body that does not parse is undecodable whatever its provider: it must get 400. */
function undecodable(b: FuzzBody): boolean {
  if (!/json/.test(b.contentType)) return false;
  try {
    JSON.parse(Buffer.isBuffer(b.body) ? new TextDecoder('utf-8', { fatal: true }).decode(b.body) : b.body);
    return false;
  } catch {
    return true;
  }
}

const pgSkip = await postgresUnavailable();

describe.each([
  { store: 'SQLite', perRoute: PER_ROUTE, skip: undefined as string | undefined },
  // Fewer bodies on PostgreSQL: the same kinds of body, the other store's write path.
  { store: 'PostgreSQL', perRoute: Math.ceil(PER_ROUTE / 2), skip: pgSkip },
])('fuzzing every webhook route (in-process server, $store)', ({ store, perRoute, skip }) => {
  let s: InProcess;
  let schema: TestSchema | undefined;
  beforeAll(async () => {
    if (skip) return;
    schema = store === 'PostgreSQL' ? await createTestSchema() : undefined;
    s = await startInProcess({
      ...Object.assign({}, ...fuzzable.map((c) => c.env)),
      ADMIN_TOKEN: ADMIN,
      BODY_LIMIT: '1mb',
      BOTS: 'echo',
      ...(schema ? { DATABASE_URL: schema.url } : {}),
    });
  });
  afterAll(async () => {
    await s?.stop();
    await schema?.drop();
  });

  const api = async (path: string) => (await (await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as any;
  const deliveries = async (provider: string) => (await api('/api/health')).providers.find((p: any) => p.provider === provider)?.deliveries as number;

  it.skipIf(!!skip)('covers every registered provider that has fixtures', () => {
    expect(fuzzable.map((c) => c.provider)).toContain('wamm');
  });

  it.skipIf(!!skip).each(fuzzable.map((c) => [c.provider, c] as const))(
    '%s: undecodable → 400, decodable with its id → 2xx and stored, never 5xx, nothing lost',
    async (provider, c) => {
      const r = prng([...provider].reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7));
      const before = await deliveries(provider);
      const statuses = new Map<number, number>();
      let storedBy2xx = 0;
      let intact = 0;
      const one = async () => {
        const b = body(r, c.fixtures);
        const res = await fetch(`${s.url}/webhooks/${provider}/${c.secret}`, {
          method: 'POST',
          headers: { ...(c.headers ?? {}), ...(b.contentType ? { 'content-type': b.contentType } : {}) },
          body: b.body,
        });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const what = `${provider}: HTTP ${res.status} ${text.slice(0, 200)} for ${String(b.body).slice(0, 300)}`;
        if (res.status >= 500) throw new Error(what);
        if (b.intact) {
          intact++;
          if (res.status >= 300) throw new Error(`a published fixture must be stored: ${what}`);
        }
        if (undecodable(b) && res.status !== 400 && res.status !== 413) throw new Error(`an undecodable body must get 400: ${what}`);
        if (res.status < 300 && text) {
          const answer = JSON.parse(text);
          storedBy2xx += Number(answer.stored ?? 0);
        } else if (res.status >= 300) expect(typeof JSON.parse(text).error).toBe('string');
      };
      for (let i = 0; i < perRoute; i += 16) await Promise.all(Array.from({ length: Math.min(16, perRoute - i) }, one));
      expect([...statuses.keys()].every((st) => st < 500)).toBe(true);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(perRoute / 20);
      expect(intact).toBeGreaterThan(0);
      // Nothing answered 2xx is missing, and nothing refused was stored.
      expect((await deliveries(provider)) - before).toBe(storedBy2xx);
      await s.sb.idle();
      // Every stored delivery was read or quarantined: none left behind.
      expect((await api(`/api/deliveries?provider=${provider}&status=pending`)).deliveries).toEqual([]);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    },
  );
});
