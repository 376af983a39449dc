import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

describe('Slots', () => {
  it('grants up to its size, then in arrival order as slots come back', async () => {
    const slots = new Slots(2);
    await slots.acquire();
    await slots.acquire();
    const order: string[] = [];
    const a = slots.acquire().then(() => order.push('a'));
    const b = slots.acquire().then(() => order.push('b'));
    expect(slots.inUse).toBe(2);
    slots.release();
    await a;
    slots.release();
    await b;
    expect(order).toEqual(['a', 'b']);
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });

  it('drops a waiter whose signal aborts, so its slot goes to the next', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const abort = new AbortController();
    const cancelled = slots.acquire(abort.signal);
    const next = slots.acquire();
    abort.abort(new Error('gone'));
    await expect(cancelled).rejects.toThrow('gone');
    slots.release();
    await next;
    expect(slots.inUse).toBe(1);
  });
});
