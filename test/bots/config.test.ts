import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRoutes } from '../../src/bots/config';
import { loadConfig } from '../../src/config/env';
import { createLogger } from '../../src/base/log';
import { tempDir } from '../helpers/process';

const dir = tempDir('bots-config-');
const log = createLogger({ level: 'error', secrets: [] });
const write = (body: unknown) => {
  const file = join(dir.path, `bots-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
};
const load = (env: Record<string, string>) => loadRoutes(loadConfig(env), log);

describe('bot routing config', () => {
  afterAll(() => dir.remove());

  it('BOTS=a,b runs those bots everywhere, in order', async () => {
    const { routes, source } = await load({ BOTS: 'echo,faq' });
    expect(source).toBe('BOTS');
    expect(routes.map((r) => [r.bot.name, r.providers])).toEqual([
      ['echo', undefined],
      ['faq', undefined],
    ]);
  });

  it('a config file routes bots by provider and conversation with per-bot options and replyVia', async () => {
    const faqFile = write({ answers: [{ keywords: ['hi'], answer: 'hello' }] });
    const file = write({
      routes: [
        { bot: 'handoff', options: { operatorChat: -100123 } },
        { bot: 'faq', providers: ['wamm'], conversations: ['acc:1', 7], options: { file: faqFile } },
        { bot: 'echo', providers: ['webinato'], replyVia: { provider: 'telegram', externalId: 42 } },
      ],
      replyVia: { mqttchat: { provider: 'telegram', externalId: '43' } },
    });
    const { routes, source } = await load({ BOTS_CONFIG: file });
    expect(source).toBe(file);
    expect(routes.map((r) => r.bot.name)).toEqual(['handoff', 'faq', 'echo']);
    expect(routes[0]!.options).toMatchObject({ operatorChat: '-100123', operatorProvider: 'telegram' });
    expect(routes[1]).toMatchObject({ providers: ['wamm'], conversations: ['acc:1', '7'], options: { file: faqFile } });
    expect(routes[2]).toMatchObject({
      replyVia: { provider: 'telegram', externalId: '42' },
      replyViaByProvider: { mqttchat: { provider: 'telegram', externalId: '43' } },
    });
  });

  it('stops with one line naming the file and the field', async () => {
    const cases: [unknown, RegExp][] = [
      ['{ "routes": [', /: not valid JSON/],
      [{ routes: [] }, /: routes: list at least one route/],
      [{ routes: [{ bot: 'nope' }] }, /: routes\.0\.bot: no bot named "nope" in bots\/ \(available: .*echo.*\)/],
      [{ routes: [{ bot: 'echo', providers: 'wamm' }] }, /: routes\.0\.providers: /],
      [{ routes: [{ bot: 'echo', colour: 'red' }] }, /: routes\.0: .*colour/],
      [{ routes: [{ bot: 'echo' }], replyVia: { webinato: { provider: 'telegram' } } }, /: replyVia\.webinato\.externalId: /],
      [
        { routes: [{ bot: 'echo' }, { bot: 'handoff', options: { operatorChat: 'ops' } }] },
        /: routes\.1\.options\.operatorChat: expected a numeric Telegram chat id/,
      ],
    ];
    for (const [body, message] of cases) {
      const file = write(body);
      const err = await load({ BOTS_CONFIG: file }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name, JSON.stringify(body)).toBe('ConfigError');
      expect(err!.message.startsWith(`${file}: `)).toBe(true);
      expect(err!.message).toMatch(message);
      expect(err!.message).not.toContain('\n');
    }
    await expect(load({ BOTS_CONFIG: join(dir.path, 'missing.json') })).rejects.toThrow(/missing\.json: file not found/);
  });

  it('names BOTS when a bot listed there needs options', async () => {
    await expect(load({ BOTS: 'webinar-qa' })).rejects.toThrow(/^webinar-qa: set options\.presenterChat/);
    await expect(load({ BOTS: 'echo,nope' })).rejects.toThrow(/^BOTS: no bot named "nope"/);
  });
});
