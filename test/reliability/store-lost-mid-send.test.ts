import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpProxy } from '../fakes/tcp-proxy';
import { createTestSchema, postgresUnavailable, TEST_DATABASE_URL, type TestSchema } from '../helpers/postgres';
import { eventually } from '../helpers/process';
import { gate } from './in-process';
import { WammKit, wammMsg } from './wamm-kit';

/**
 * The database goes away while a reply is on the wire: WAMM accepts the msg_to, but the `sent`
 * mark cannot be written, so the item stays `sending` in the store. The same process (no restart)
 * settles it once the database is back, as it would a crashed instance's: WAMM's history shows
 * the message, so it is marked sent with WAMM's msg_id and never sent a second time.
 */
const unavailable = await postgresUnavailable();
const PHONE = '79005550101';

describe.skipIf(!!unavailable)('store lost in the middle of a send (real process on PostgreSQL behind a TCP proxy)', () => {
  let schema: TestSchema;
  let proxy: TcpProxy;
  let kit: WammKit;
  beforeEach(async () => {
    schema = await createTestSchema();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await new TcpProxy(Number(target.port || 5432), target.hostname).start();
    kit = new WammKit();
  });
  afterEach(async () => {
    await kit.stop();
    await proxy.stop();
    await schema.drop();
  });

  it('marks the reply sent once the database is back, without sending it again', async () => {
    await kit.start({ DATABASE_URL: proxy.url(schema.url), WAMM_TIMEZONE: undefined, STORE_TIMEOUT_MS: '1000' });
    const g = gate();
    kit.wamm.hold = g.promise;
    const m = kit.wamm.incoming(PHONE, 'are you there?');
    expect((await kit.post(wammMsg(m.msg_id, 'are you there?', { phone: PHONE }))).status).toBe(200);
    await eventually(async () => kit.wamm.calls('msg_to') === 1);
    proxy.cut();
    kit.wamm.hold = undefined;
    g.open(); // WAMM takes the message; recording it fails
    await eventually(async () => kit.wamm.sent.length === 1);
    await eventually(async () => kit.sb.logs.some((l) => l.includes('store cannot write')));
    proxy.restore();

    await eventually(async () => kit.sb.logs.some((l) => l.includes('reply interrupted mid-send') && l.includes('confirmed sent')), 20_000);
    const { conversations } = await kit.api('/api/conversations?provider=wamm');
    const { messages } = await kit.api(`/api/conversations/${conversations[0].id}/messages`);
    const out = (messages as any[]).filter((x) => x.direction === 'outbound');
    expect(out).toMatchObject([{ status: 'sent', externalId: String(kit.wamm.sent[0]!.msg_id) }]);
    expect(await kit.health()).toMatchObject({ outboxPending: 0, outboxDead: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect(kit.wamm.calls('msg_to')).toBe(1);
    expect(kit.sb.child.exitCode).toBeNull();
  }, 60_000);
});
