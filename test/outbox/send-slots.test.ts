import { describe, expect, it } from 'vitest';
import { SendSlots } from '../../src/outbox/send-slots';

describe('SendSlots', () => {
  it('lets max requests per provider through, then hands freed slots over first come first', async () => {
    const slots = new SendSlots(2);
    expect(await slots.take('wamm')).toBe(true);
    expect(await slots.take('wamm')).toBe(true);
    expect(await slots.take('telegram')).toBe(true); // another provider's slots are its own
    const order: string[] = [];
    const third = slots.take('wamm').then((ok) => order.push(`third ${ok}`));
    const fourth = slots.take('wamm').then((ok) => order.push(`fourth ${ok}`));
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]);
    slots.give('wamm');
    await third;
    expect(order).toEqual(['third true']);
    slots.give('wamm');
    await fourth;
    expect(order).toEqual(['third true', 'fourth true']);
  });

  it('wakes the waiting on stop without a slot, and takes none after', async () => {
    const slots = new SendSlots(1);
    expect(await slots.take('wamm')).toBe(true);
    const waiting = slots.take('wamm');
    slots.stop();
    expect(await waiting).toBe(false);
    expect(await slots.take('telegram')).toBe(false);
  });
});
