import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwitchboard } from '../../src/app/switchboard';
import { createLogger } from '../../src/base/log';
import { loadConfig } from '../../src/config/env';
import { ISO_DATE_INS, wammReadingIsoTimes } from '../fixtures/wamm/upgrade';
import { eventually } from '../helpers/process';
import { ADMIN, WammKit, wammMsg } from '../reliability/wamm-kit';

/**
 * The delivery log as an operator uses it after an upgrade, through the real server process and
 * `npm run cli -- deliveries …`: a WAMM body our schema cannot read is kept and quarantined, seen in
 * /api/health, /api/deliveries and the CLI; a dry run over 100 processed deliveries prints their
 * replies and sends nothing; code that reads the body (a newer normalizer, swapped in here) replays
 * it into exactly one reply, and a second replay sends none.
 */

// WAMM writing its time as ISO 8601 instead of "YYYY-MM-DD HH:MM:SS": a plausible change of shape.
const UNREADABLE = wammMsg(777_001, 'sent after the upgrade', { date_ins: ISO_DATE_INS, phone: '79005550001' });

describe('deliveries: quarantine, list, show, dry run and replay (real process + CLI)', () => {
  const kit = new WammKit();
  let quarantinedId: number;

  beforeAll(async () => {
    await kit.start();
  });
  afterAll(() => kit.stop());

  it('keeps the body our schema cannot read, answers 200, and shows it in health, the API and the CLI', async () => {
    const r = await kit.post(UNREADABLE);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ stored: 1 });
    const health = await eventually(async () => {
      const h = await kit.health();
      return h.quarantined === 1 && h;
    });
    expect(health.quarantined).toBe(1);
    const { deliveries } = await kit.api('/api/deliveries?status=quarantined');
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0].reason).toMatch(/date_ins/);
    quarantinedId = deliveries[0].id;

    const list = await kit.cli('deliveries', 'list', '--status', 'quarantined');
    expect(list.code).toBe(0);
    expect(list.err).toMatch(/^store: sqlite \(.*switchboard.db/m);
    expect(list.out).toMatch(new RegExp(`^${quarantinedId}\\twamm\\tquarantined\\t.*date_ins`, 'm'));

    const show = await kit.cli('deliveries', 'show', String(quarantinedId));
    expect(show.code).toBe(0);
    const detail = JSON.parse(show.out);
    expect(JSON.parse(detail.body)).toEqual(UNREADABLE);
    expect(detail.status).toBe('quarantined');

    // The running code still cannot read it: a replay says so and changes nothing.
    const same = await kit.cli('deliveries', 'replay', String(quarantinedId));
    expect(same.code).toBe(0);
    expect(same.out).toMatch(/still quarantined \(.*date_ins/);
    const dry = await kit.cli('deliveries', 'replay', '--dry-run', '--status', 'quarantined');
    expect(dry.out).toMatch(/still unreadable: .*date_ins/);
  });

  it('a dry run over 100 processed deliveries prints the 100 replies and sends nothing', async () => {
    for (let i = 0; i < 100; i += 20) {
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          kit.post(wammMsg(800_000 + i + j, `question ${i + j}`, { phone: `7900100${String((i + j) % 10).padStart(4, '0')}` })),
        ),
      );
      for (const r of rs) expect(r.status).toBe(200);
    }
    await eventually(async () => kit.wamm.sent.length === 100, 20_000);

    const dry = await kit.cli('deliveries', 'replay', '--dry-run', '--provider', 'wamm', '--status', 'processed');
    expect(dry.code).toBe(0);
    const lines = dry.out.split('\n').filter((l) => / → wamm conversation \d+ \[echo\]: /.test(l));
    expect(lines).toHaveLength(100);
    for (let n = 0; n < 100; n++) expect(lines.filter((l) => l.endsWith(`"question ${n}"`))).toHaveLength(1);
    expect(dry.out).toMatch(/dry run: 100 deliveries, 100 replies would be sent; nothing was sent or stored/);
    expect(dry.err).toMatch(/100 \/ 100 deliveries/);

    // A real replay of processed deliveries changes nothing either: no new bot run, nothing to send.
    const real = await kit.cli('deliveries', 'replay', '--status', 'processed');
    expect(real.out).toMatch(/replayed 100: 0 changed/);
    const h = await kit.health();
    expect([h.botRunsPending, h.outboxPending]).toEqual([0, 0]);
    // Every reply ever enqueued is a stored outbound message: still one per question.
    let outbound = 0;
    for (const c of (await kit.api('/api/conversations?provider=wamm')).conversations) {
      outbound += (await kit.api(`/api/conversations/${c.id}/messages`)).messages.filter((m: any) => m.direction === 'outbound').length;
    }
    expect(outbound).toBe(100);
    expect(kit.wamm.sent).toHaveLength(100);
  });

  it('code that reads the body replays it into exactly one reply; replaying again sends none', async () => {
    await kit.sb.stop('SIGTERM');
    // The newer release: the same adapter, reading ISO times too (test/fixtures/wamm/upgrade.ts).
    const newer = wammReadingIsoTimes;
    const config = loadConfig({ ...kit.env, LOG_LEVEL: 'warn' });
    const log = createLogger({ level: 'warn', secrets: [], stream: new Writable({ write: (_c, _e, cb) => cb() }) });
    const sb = await createSwitchboard(config, { log, providers: [newer] });
    const { port } = await sb.listen(0);
    try {
      const replay = async () => {
        const r = await fetch(`http://127.0.0.1:${port}/api/deliveries/${quarantinedId}/replay`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        expect(r.status).toBe(200);
        return ((await r.json()) as any).replay;
      };
      expect(await replay()).toMatchObject({ before: 'quarantined', status: 'processed', events: 1, dispatches: 1, changed: true });
      await sb.idle();
      await eventually(async () => kit.wamm.sent.some((s) => s.text === 'sent after the upgrade'));
      expect(await replay()).toMatchObject({ before: 'processed', status: 'processed', dispatches: 0, changed: false });
      await sb.idle();
      expect(kit.wamm.sent.filter((s) => s.text === 'sent after the upgrade')).toHaveLength(1);
      expect(kit.wamm.sent).toHaveLength(101);
      const health = (await sb.store.health()).find((p) => p.provider === 'wamm')!;
      expect(health.quarantined).toBe(0);
    } finally {
      await sb.stop();
    }
  });
});
