import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/console/sessions';
import { eventually, startServer } from '../helpers/process';
import { WammKit, wammMsg } from '../reliability/wamm-kit';
import { addOperator, launch, seriousViolations, shoot, signIn } from './browser';

/**
 * The operator console in a real headless Chromium against the real server process (`npm start`)
 * and the fake WAMM, with the echo bot: sign-in, the live conversations list, taking over and
 * answering from the browser, handing back, CSRF and roles, and accessibility in each view.
 */
describe('operator console in Chromium', () => {
  const kit = new WammKit();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const ANA = 'ana-console-password';
  const BO = 'bo-console-password';

  beforeAll(async () => {
    await kit.start({ BOTS: 'echo' });
    expect(await addOperator(kit.env, 'ana', 'admin', ANA)).toBe(0);
    expect(await addOperator(kit.env, 'bo', 'operator', BO)).toBe(0);
    expect(await addOperator(kit.env, 'cy', 'operator', 'cy-console-password')).toBe(0);
    browser = await launch();
    // bypassCSP: axe-core is injected as an inline script, which the console's CSP refuses (as it should).
    context = await browser.newContext({ viewport: { width: 1360, height: 860 }, bypassCSP: true });
    page = await context.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await kit.stop();
  });

  /** A customer's message, numbered as WAMM numbers every message of the account (ids grow across chats). */
  const customer = (text: string, phone = '79001234567', name = 'Ivan Petrov') =>
    kit.post(wammMsg(kit.wamm.nextId++, text, { phone, chat_name: name, date_ins: kit.wamm.now() }));

  it('refuses a wrong password, then rate-limits the account', async () => {
    await page.goto(`${kit.sb.url}/console`);
    await shoot(page, '01-login');
    expect(await seriousViolations(page)).toEqual([]);
    for (let i = 0; i < LIMITS.perAccount; i++) {
      await signIn(page, kit.sb.url, 'cy', 'not-the-password');
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Wrong name or password.');
    }
    await signIn(page, kit.sb.url, 'cy', 'cy-console-password');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Too many failed sign-ins/);
    await shoot(page, '02-login-rate-limited');
  });

  it("shows a customer's WAMM message in the conversations list within 2 s, without a reload", async () => {
    await customer('Hello, is anyone there?', '79001110001', 'Olga Smirnova');
    await signIn(page, kit.sb.url, 'ana', ANA);
    await page.locator('.conversation', { hasText: 'Olga Smirnova' }).waitFor();
    await customer('My order #4417 never arrived', '79001110002', 'Pavel Orlov');
    const sentAt = Date.now();
    await page.locator('.conversation', { hasText: 'My order #4417 never arrived' }).waitFor({ timeout: 2000 });
    expect(Date.now() - sentAt).toBeLessThan(2000);
    for (let i = 3; i <= 7; i++)
      await customer(
        ['Can I change my delivery address?', 'Thanks!', 'Where is my refund', 'Do you ship to Kazan?', 'operator please'][i - 3]!,
        `7900111000${i}`,
        ['Anna Kuznetsova', 'Dmitry Volkov', 'Elena Sokolova', 'Igor Popov', 'Maria Lebedeva'][i - 3],
      );
    await page.locator('.conversation', { hasText: 'Maria Lebedeva' }).waitFor({ timeout: 2000 });
    await shoot(page, '03-conversations');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('takes over, answers from the console (msg_to with that text, role operator), hands back and the bot answers again', async () => {
    // By keyboard only: every action is a link or a button in the tab order.
    await page.locator('.conversation a', { hasText: 'Pavel Orlov' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Pavel Orlov' }).waitFor();
    await page.locator('.back').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent.trim())).toBe('Take over');
    await page.keyboard.press('Enter');
    await page.getByText('You took over').waitFor();
    const text = 'Hi Pavel, this is Ana. I am checking order #4417 now.';
    await page.getByLabel(/Message to the customer/).focus();
    await page.keyboard.type(text);
    await page.keyboard.press('Control+Enter');
    const sent = await eventually(async () => kit.wamm.sent.find((s) => s.text === text));
    expect(sent.phone).toBe('79001110002');
    const conversation = (await kit.api('/api/conversations')).conversations.find((c: any) => c.externalId.includes('79001110002'));
    const messages = (await kit.api(`/api/conversations/${conversation.id}/messages`)).messages;
    expect(messages.find((m: any) => m.text === text)?.author).toMatchObject({ role: 'operator', name: 'ana' });
    // While taken over, the echo bot is silent.
    await customer('Thank you, waiting', '79001110002', 'Pavel Orlov');
    await page.locator('.msg', { hasText: 'Thank you, waiting' }).waitFor({ timeout: 2000 });
    // Why nobody answered: the bot run recorded the echo bot skipped because of the hand-off.
    const waiting = page.locator('.msg', { hasText: 'Thank you, waiting' });
    await waiting.locator('.run-skipped.why-handoff', { hasText: 'echo skipped: the conversation is handed to people' }).waitFor();
    expect(await waiting.locator('.no-answer').textContent()).toContain('No bot answered: the conversation is handed to people');
    await page.locator('.msg.role-operator .trail', { hasText: 'outbox sent' }).waitFor();
    await page.locator('.msg.role-operator .attempts .a-sent').first().waitFor();
    await shoot(page, '04-conversation');
    expect(await seriousViolations(page)).toEqual([]);
    expect(kit.wamm.sent.filter((s) => s.text === 'Thank you, waiting')).toEqual([]);

    await page.getByRole('button', { name: 'Hand back to bots' }).click();
    await page.getByText('Handed back to the bots.').waitFor();
    await customer('Echo me please', '79001110002', 'Pavel Orlov');
    await eventually(async () => kit.wamm.sent.find((s) => s.text === 'Echo me please' && s.phone === '79001110002'));
  });

  it('refuses a state-changing request without the CSRF token (403)', async () => {
    const status = await page.evaluate(
      async () => (await fetch('/api/console/dead-letters/retry', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    );
    expect(status).toBe(403);
  });

  it('retries a dead letter from the console and it reaches the fake WAMM', async () => {
    kit.wamm.failNext.push('no whatsapp on the number');
    await customer('Please resend the invoice', '79001110003', 'Anna Kuznetsova');
    await eventually(async () => (await kit.api('/api/outbox/dead')).deadLetters.length === 1);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('cell', { name: 'Please resend the invoice' }).waitFor();
    await shoot(page, '05-dead-letters');
    expect(await seriousViolations(page)).toEqual([]);
    kit.wamm.failNext.push(503, 503, 503); // the retried send meets WAMM down three times, then goes
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByText('Queued again.').waitFor();
    await eventually(async () => kit.wamm.sent.find((s) => s.text === 'Please resend the invoice'));
    // The reply's timeline: dead with what WAMM said, the three identical failures on one line, then
    // sent with WAMM's id.
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.locator('.conversation a', { hasText: 'Anna Kuznetsova' }).click();
    const reply = page.locator('.msg.out', { hasText: 'Please resend the invoice' });
    const attempts = reply.getByRole('list', { name: 'Send attempts' });
    await attempts.locator('.a-sent').waitFor();
    expect(await attempts.locator('.a-dead').textContent()).toContain('no whatsapp on the number');
    expect(await attempts.locator('li').count()).toBe(3);
    expect(await attempts.locator('.a-retry').textContent()).toMatch(
      /^\s*[A-Z][a-z]{2} \d+, \d\d:\d\d:\d\d( [AP]M)?–\d\d:\d\d:\d\d( [AP]M)? failed 3 times, will retry: .*503/,
    );
    expect(await attempts.locator('.a-sent').textContent()).toMatch(/sent: provider id \S+/);
    await reply.scrollIntoViewIfNeeded();
    await shoot(page, '05b-conversation-attempts');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters' }).waitFor();
  });

  it('edits and resends one dead letter, discards another', async () => {
    kit.wamm.failNext.push('no whatsapp on the number', 'no whatsapp on the number');
    await customer('Invoice 1 please', '79001110004', 'Dmitry Volkov');
    await customer('Invoice 2 please', '79001110005', 'Elena Sokolova');
    await eventually(async () => (await kit.api('/api/outbox/dead')).deadLetters.length === 2);
    await page.reload();
    const row = (text: string) => page.getByRole('row').filter({ hasText: text });
    await row('Invoice 1 please').getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('New text').fill('Here is invoice 1, corrected');
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.getByText('Edited and queued again.').waitFor();
    await eventually(async () => kit.wamm.sent.find((s) => s.text === 'Here is invoice 1, corrected' && s.phone === '79001110004'));
    await row('Invoice 2 please').getByRole('button', { name: 'Discard' }).click();
    await page.getByText('Discarded.').waitFor();
    expect((await kit.api('/api/outbox/dead')).deadLetters).toEqual([]);
    expect(kit.wamm.sent.filter((s) => s.text === 'Invoice 2 please')).toEqual([]);
  });

  it('lists hand-offs, deliveries and health for an admin; an operator gets 403 on deliveries and the audit log', async () => {
    // Maria asked for a person: taken over through the JSON API, as a script would.
    await page.evaluate(async () => {
      const { csrfToken } = (await (await fetch('/api/console/session')).json()) as any;
      const { conversations } = (await (await fetch('/api/console/conversations?q=Maria')).json()) as any;
      await fetch(`/api/console/conversations/${conversations[0].id}/takeover`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: '{}',
      });
    });
    await page.getByRole('link', { name: 'Hand-off inbox' }).click();
    await page.getByRole('cell', { name: /Maria Lebedeva/ }).waitFor();
    await shoot(page, '06-handoffs');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page
      .getByRole('button', { name: /^Open delivery/ })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Raw body' }).waitFor();
    await shoot(page, '07-deliveries');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Health' }).click();
    await page.locator('.card.provider').first().waitFor();
    await shoot(page, '08-health');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'took over' }).first().waitFor();
    await shoot(page, '09-audit');
    expect(await seriousViolations(page)).toEqual([]);

    // The list after all of the above: hand-offs, a claim, a conversation with a failure.
    await page.getByRole('link', { name: 'Conversations' }).click();
    await page.locator('.conversation', { hasText: 'Maria Lebedeva' }).waitFor();
    await shoot(page, '10-conversations-after');
    expect(await seriousViolations(page)).toEqual([]);

    const other = await browser.newContext();
    const bo = await other.newPage();
    await signIn(bo, kit.sb.url, 'bo', BO);
    await bo.getByRole('heading', { name: 'Conversations' }).waitFor();
    expect(await bo.getByRole('link', { name: 'Deliveries' }).count()).toBe(0);
    expect(await bo.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    const statuses = await bo.evaluate(async () => [(await fetch('/api/deliveries')).status, (await fetch('/api/console/audit')).status]);
    expect(statuses).toEqual([403, 403]);
    await other.close();
  });

  it('fits a phone-sized window: no view is wider than the screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(phone, kit.sb.url, 'ana', ANA);
    await phone.getByRole('heading', { name: 'Conversations' }).waitFor();
    for (const [link, name] of [
      ['Conversations', 'conversations'],
      ['Hand-off inbox', 'handoffs'],
      ['Dead letters', 'dead-letters'],
      ['Deliveries', 'deliveries'],
      ['Health', 'health'],
      ['Audit log', 'audit'],
    ] as const) {
      await phone.getByRole('link', { name: link }).click();
      await phone.waitForLoadState('networkidle').catch(() => undefined);
      await phone.locator('.page-head h1, h1').first().waitFor();
      const [scroll, inner] = await phone.evaluate(() => {
        const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
        return [g.document.documentElement.scrollWidth, g.innerWidth];
      });
      expect(scroll, `${link} is ${scroll} px wide on a ${inner} px screen`).toBeLessThanOrEqual(inner);
      await shoot(phone, `12-narrow-${name}`);
    }
    // A conversation: the composer's hint is text above the box, not a placeholder cut at the edge.
    await phone.getByRole('link', { name: 'Conversations' }).click();
    await phone.locator('.conversation a', { hasText: 'Anna Kuznetsova' }).click();
    await phone.getByRole('heading', { name: 'Anna Kuznetsova' }).waitFor();
    const box = phone.getByLabel(/Message to the customer/);
    expect(await box.getAttribute('placeholder')).toBe('Write as yourself…');
    const hint = phone.locator('#reply-hint');
    expect(await hint.textContent()).toBe('Writing takes this conversation: bots keep answering until you take over.');
    const hb = (await hint.boundingBox())!;
    expect(hb.x + hb.width).toBeLessThanOrEqual(390);
    await box.scrollIntoViewIfNeeded();
    await shoot(phone, '12-narrow-conversation');
    // Opened by its address (a link, a reload), the current view's tab is scrolled into the row's sight.
    await phone.goto(`${kit.sb.url}/console/audit`);
    await phone.getByRole('heading', { name: 'Audit log' }).waitFor();
    await expect
      .poll(async () => {
        const tab = await phone.getByRole('link', { name: 'Audit log' }).boundingBox();
        return tab !== null && tab.x >= 0 && tab.x + tab.width <= 390;
      })
      .toBe(true);
    await phone.close();
  });
  it('says the server cannot be reached instead of asking a signed-in operator to sign in again, and comes back by itself', async () => {
    const tab = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(tab, kit.sb.url, 'ana', ANA);
    await tab.getByRole('heading', { name: 'Conversations' }).waitFor();
    await tab.route('**/api/**', (r) => r.abort('connectionrefused')); // the server restarting
    await tab.reload();
    await tab.getByRole('heading', { name: 'The console cannot reach the server' }).waitFor();
    expect(await tab.getByRole('alert').textContent()).toMatch(/Cannot reach the Switchboard server; it may be restarting/);
    expect(await tab.getByRole('button', { name: 'Sign in' }).count()).toBe(0);
    await shoot(tab, '13-narrow-unreachable');
    await tab.unrouteAll();
    await tab.getByRole('heading', { name: 'Conversations' }).waitFor({ timeout: 10_000 }); // retried without a click, still signed in
    await tab.close();

    const fresh = await (await browser.newContext()).newPage();
    await fresh.route('**/api/console/login', (r) => r.abort('connectionrefused'));
    await signIn(fresh, kit.sb.url, 'ana', ANA);
    await expect.poll(() => fresh.getByRole('alert').textContent()).toMatch(/^Cannot reach the Switchboard server/); // not "Wrong name or password."
    await fresh.context().close();
  });

  it('says when no delivery matches the filters instead of showing an empty table', async () => {
    await page.goto(`${kit.sb.url}/console/deliveries`); // ana, signed in above
    await page.getByRole('table', { name: 'Deliveries' }).waitFor();
    await page.getByLabel('Status').selectOption('discarded');
    await page.getByText('No deliveries match these filters.').waitFor();
    expect(await page.getByRole('table', { name: 'Deliveries' }).count()).toBe(0);
  });
  it('says when live updates are paused while the stream reconnects, and live again when it is back', async () => {
    await page.goto(`${kit.sb.url}/console/conversations`); // ana, signed in above
    await page.getByText('Updates live.').waitFor();
    // The same in a conversation (which says nothing while live) and in the hand-off inbox.
    const conversation = await page.context().newPage();
    await conversation.goto(`${kit.sb.url}/console/conversations`);
    await conversation.locator('.conversation a', { hasText: 'Anna Kuznetsova' }).click();
    await conversation.getByRole('heading', { name: 'Anna Kuznetsova' }).waitFor();
    const inbox = await page.context().newPage();
    await inbox.goto(`${kit.sb.url}/console/handoffs`);
    await inbox.getByText('Updates live.').waitFor();
    const paused = 'Live updates paused: reconnecting to the server…';
    // The server restarting: the stream drops, and the browser's reconnections fail until it is back on its port.
    const port = kit.sb.port;
    await kit.sb.stop('SIGKILL');
    for (const p of [page, conversation, inbox]) await p.getByText(paused).waitFor({ timeout: 10_000 });
    await shoot(page, '14-live-paused');
    await shoot(conversation, '14b-live-paused-conversation');
    kit.sb = await startServer(kit.env, { port });
    await page.getByText('Updates live.').waitFor({ timeout: 15_000 });
    await inbox.getByText('Updates live.').waitFor({ timeout: 15_000 });
    await conversation.getByText(paused).waitFor({ state: 'detached', timeout: 15_000 });
    await conversation.close();
    await inbox.close();
  });
});
