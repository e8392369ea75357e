import { Writable } from 'node:stream';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSwitchboard, type Switchboard } from '../../src/app/switchboard';
import { createLogger } from '../../src/base/log';
import { loadConfig } from '../../src/config/env';
import { hashPassword } from '../../src/console/passwords';
import { consoleStoreOf } from '../../src/store/console';
import { ISO_DATE_INS, wammReadingIsoTimes } from '../fixtures/wamm/upgrade';
import { eventually } from '../helpers/process';
import { WammKit, wammMsg } from '../reliability/wamm-kit';
import { launch, seriousViolations, shoot, signIn } from './browser';

/**
 * A quarantined delivery replayed from the console's Deliveries view produces one bot reply. The
 * body is quarantined by the real server process; the replay runs on a newer release that reads
 * it (the same WAMM adapter reading ISO times too, swapped in as test/cli/deliveries.test.ts does).
 */
const UNREADABLE = wammMsg(777_101, 'sent after the upgrade', { date_ins: ISO_DATE_INS, phone: '79005550101', chat_name: 'Sergey Ivanov' });

describe('replaying a quarantined delivery from the console', () => {
  const kit = new WammKit();
  let sb: Switchboard | undefined;
  let browser: Browser;

  beforeAll(async () => {
    await kit.start();
    expect((await kit.post(UNREADABLE)).status).toBe(200);
    await eventually(async () => (await kit.health()).quarantined === 1);
    await kit.sb.stop('SIGTERM');
    const newer = wammReadingIsoTimes;
    const log = createLogger({ level: 'warn', secrets: [], stream: new Writable({ write: (_c, _e, cb) => cb() }) });
    sb = await createSwitchboard(loadConfig({ ...kit.env, LOG_LEVEL: 'warn' }), { log, providers: [newer] });
    await consoleStoreOf(sb.store).addOperator({ name: 'ana', role: 'admin', passwordHash: await hashPassword('ana-replay-password') });
    browser = await launch();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sb?.stop();
    await kit.stop();
  });

  it('replays it into exactly one reply', async () => {
    const { port } = await sb!.listen(0);
    const url = `http://127.0.0.1:${port}`;
    const page = await (await browser.newContext({ viewport: { width: 1360, height: 860 }, bypassCSP: true })).newPage();
    await signIn(page, url, 'ana', 'ana-replay-password');
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByLabel('Status').selectOption('quarantined');
    await page.getByRole('button', { name: /^Open delivery/ }).click();
    await page
      .getByText(/date_ins/)
      .first()
      .waitFor();
    await shoot(page, '11-delivery-quarantined');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('status').waitFor();
    await eventually(async () => kit.wamm.sent.some((s) => s.text === 'sent after the upgrade'));
    await sb!.idle();
    expect(kit.wamm.sent.filter((s) => s.text === 'sent after the upgrade')).toHaveLength(1);
  });
});
