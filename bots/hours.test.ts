import { expect, it } from 'vitest';
import { createTestKit } from 'switchboard/testing';
import hours from './hours';

it('tells the opening hours when asked, and only then', async () => {
  const kit = await createTestKit({ bots: [hours] });
  expect(await kit.receive({ provider: 'wamm', conversation: 'acc:7900', text: 'When are you open?' })).toEqual([
    { provider: 'wamm', conversation: 'acc:7900', text: 'We are open Monday to Friday, 9:00 to 18:00.' },
  ]);
  expect(await kit.receive({ provider: 'wamm', conversation: 'acc:7900', text: 'thanks!' })).toEqual([]);
  await kit.close();
});
