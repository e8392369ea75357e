import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTestKit, type TestKit } from 'switchboard/testing';
import faq from './faq';
import { tempDir } from '../test/helpers/process';

const dir = tempDir('faq-test-');
const file = (name: string, body: unknown) => {
  const path = join(dir.path, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
};

describe('faq', () => {
  let kit: TestKit | undefined;
  afterEach(async () => {
    await kit?.close();
    kit = undefined;
  });
  afterAll(() => dir.remove());

  it('answers by keyword (whole words, any case, any script) and by regex; stays silent otherwise', async () => {
    const answers = file('faq.json', {
      answers: [
        { keywords: ['price', 'цена'], answer: 'From $29.' },
        { pattern: '^order\\s+#?(\\d+)$', answer: 'Checking your order.' },
      ],
    });
    kit = await createTestKit({ routes: [{ bot: faq, options: { file: answers } }] });
    const wamm = (text: string) => kit!.receive({ provider: 'wamm', conversation: 'acc:7900', text });
    expect(await wamm('What is the PRICE?')).toEqual([{ provider: 'wamm', conversation: 'acc:7900', text: 'From $29.' }]);
    expect(await wamm('Какая цена?')).toEqual([{ provider: 'wamm', conversation: 'acc:7900', text: 'From $29.' }]);
    expect(await wamm('priceless')).toEqual([]);
    expect(await wamm('Order #123')).toEqual([{ provider: 'wamm', conversation: 'acc:7900', text: 'Checking your order.' }]);
    expect(await wamm('good morning')).toEqual([]);
  });

  it('says the fallback when nothing matches, if the file has one', async () => {
    const answers = file('fallback.json', { answers: [{ keywords: ['hours'], answer: '9 to 5.' }], fallback: 'Sorry, I do not know.' });
    kit = await createTestKit({ routes: [{ bot: faq, options: { file: answers } }] });
    expect(await kit.receive({ provider: 'telegram', conversation: '5', text: 'weather?' })).toEqual([
      { provider: 'telegram', conversation: '5', text: 'Sorry, I do not know.' },
    ]);
  });

  it('ships config/faq.json, its default answers file', async () => {
    kit = await createTestKit({ bots: [faq] });
    const [reply] = await kit.receive({ provider: 'wamm', conversation: 'acc:1', text: 'how much does it cost' });
    expect(reply!.text).toMatch(/\$29/);
  });

  it('stops start-up with one line naming the file and the field when the answers file is wrong', async () => {
    const bad = file('bad.json', {
      answers: [
        { keywords: ['a'], answer: 'x' },
        { pattern: '(unclosed', answer: 'y' },
      ],
    });
    await expect(createTestKit({ routes: [{ bot: faq, options: { file: bad } }] })).rejects.toThrow(
      `${bad}: answers.1.pattern: not a valid regular expression`,
    );
    const notJson = file('not.json', '{ answers: ');
    await expect(createTestKit({ routes: [{ bot: faq, options: { file: notJson } }] })).rejects.toThrow(/not\.json: not valid JSON/);
    await expect(createTestKit({ routes: [{ bot: faq, options: { file: join(dir.path, 'missing.json') } }] })).rejects.toThrow(/missing\.json: file not found/);
    const noAnswer = file('noanswer.json', { answers: [{ keywords: ['a'] }] });
    await expect(createTestKit({ routes: [{ bot: faq, options: { file: noAnswer } }] })).rejects.toThrow(/answers\.0\.answer/);
  });
});
