import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../bot/rate-limiter.js';

describe('rate limiter', () => {
  it('allows 7 per second and 8 per 2 seconds in one conversation', () => {
    const limiter = new RateLimiter();
    const taken = Array.from({ length: 10 }, (_, i) => limiter.tryTake('c1', 't1', 1_000 + i * 30)).filter(Boolean).length;
    expect(taken).toBe(7);
    expect(limiter.tryTake('c1', 't1', 2_100)).toBe(true); // the 8th within 2 s
    expect(limiter.tryTake('c1', 't1', 2_200)).toBe(false); // a 9th within 2 s is refused
    expect(limiter.tryTake('c2', 't1', 2_300)).toBe(true); // another conversation has its own windows
  });

  it('allows 60 per 30 seconds in one conversation', () => {
    const limiter = new RateLimiter();
    let taken = 0;
    for (let t = 0; t < 30_000; t += 100) if (limiter.tryTake('c1', 't1', t)) taken++;
    expect(taken).toBe(60);
  });

  it('fills 94% of 50 per second per tenant across conversations, and no more', () => {
    const limiter = new RateLimiter();
    let taken = 0;
    for (let t = 5_000; t < 6_000; t += 5) if (limiter.tryTake(`c${t}`, 't1', t)) taken++;
    expect(taken).toBe(47);
    expect(limiter.tryTake('other', 't2', 5_999)).toBe(true);
    // Paced: two sends to one tenant are at least 18 ms apart.
    expect(limiter.tryTake('c-a', 't3', 7_000)).toBe(true);
    expect(limiter.tryTake('c-b', 't3', 7_010)).toBe(false);
    expect(limiter.tryTake('c-b', 't3', 7_018)).toBe(true);
  });

  it('counts sends recorded from before a restart, in any order, and forgets them as their windows pass', () => {
    const limiter = new RateLimiter();
    limiter.record('c1', 't1', -3_600_000); // an hour before: out of every window by now
    for (let i = 0; i < 6; i++) limiter.record('c1', 't1', 900);
    limiter.record('c1', 't1', 100);
    expect(limiter.tryTake('c1', 't1', 1_000)).toBe(false);
    expect(limiter.tryTake('c1', 't1', 1_901)).toBe(true);
  });

  it('says how long until a refused send may go: the tenant pace, or the oldest send that keeps a window full', () => {
    const limiter = new RateLimiter();
    expect(limiter.waitMs('c1', 't1', 0)).toBe(0);
    expect(limiter.tryTake('c1', 't1', 1_000)).toBe(true);
    expect(limiter.waitMs('c2', 't1', 1_010)).toBe(8); // the tenant pace: 18 ms after the last send
    for (let i = 1; i < 7; i++) expect(limiter.tryTake('c1', 't1', 1_000 + i * 30)).toBe(true);
    // Seven in this second: the conversation's next slot is when the first of them is a second old.
    expect(limiter.tryTake('c1', 't1', 1_500)).toBe(false);
    expect(limiter.waitMs('c1', 't1', 1_500)).toBe(500);
    expect(limiter.tryTake('c1', 't1', 1_999)).toBe(false);
    expect(limiter.tryTake('c1', 't1', 2_000)).toBe(true);
  });
});
