import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite';
import { FakeWamm } from '../fakes/wamm';
import { eventually, startServer, tempDir } from '../helpers/process';

/** A delivery stored (acknowledged) but never processed because the process died is processed at the next start. */
describe('stored but unprocessed deliveries', () => {
  const dir = tempDir();
  const wamm = new FakeWamm('tok');
  afterAll(async () => {
    await wamm.stop();
    dir.remove();
  });

  it('are processed, and answered once, on the next start', async () => {
    await wamm.start();
    // What an acknowledged delivery looks like when the process died right after the commit.
    const store = createSqliteStore(dir.path);
    await store.migrate();
    const payload = {
      tip: 'msg',
      msg_data: {
        msg_id: 77,
        from_me: false,
        from_api: false,
        phone_acc: '7999',
        phone: '7900',
        tip_msg: 'textMessage',
        msg_text: 'still there?',
        date_ins: '2023-05-24 12:35:29',
      },
    };
    await store.appendDeliveries([{ provider: 'wamm', key: 'msg:77', payload, receivedAt: new Date().toISOString() }]);
    await store.close();

    const env = { DATA_DIR: dir.path, WAMM_WEBHOOK_SECRET: 'sec', WAMM_API_TOKEN: 'tok', WAMM_API_URL: wamm.url };
    let sb = await startServer(env);
    await eventually(async () => wamm.sent.length === 1);
    expect(wamm.sent[0]).toMatchObject({ phone: '7900', text: 'still there?' });
    await sb.stop();
    sb = await startServer(env);
    await new Promise((r) => setTimeout(r, 300));
    await sb.stop();
    expect(wamm.sent).toHaveLength(1);
  });
});
