import { expect, it } from 'vitest';
import { createTestKit } from 'switchboard/testing';
import confirm from './confirm';

it('asks with buttons on Telegram and numbered on WAMM; a press or "2" answers', async () => {
  const kit = await createTestKit({ bots: [confirm] });
  const [ask] = await kit.receive({ provider: 'telegram', conversation: '42', text: 'book a table' });
  expect(ask!.buttons).toEqual([
    [
      { text: 'Yes', action: 'yes' },
      { text: 'No', action: 'no' },
    ],
  ]);
  expect(await kit.press('yes')).toMatchObject([{ text: 'Booked.' }]);
  expect((await kit.receive({ provider: 'wamm', conversation: 'acc:7900', text: 'book' }))[0]!.text).toBe('Book it?\n\n1. Yes  2. No');
  expect(await kit.press('no')).toMatchObject([{ text: 'Cancelled.' }]);
  await kit.close();
});
