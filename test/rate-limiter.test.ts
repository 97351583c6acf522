import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../bot/rate-limiter.js';

describe('rate limiter', () => {
  it('allows 7 per second and 8 per 2 seconds in one conversation', () => {
    const limiter = new RateLimiter();
    const taken = Array.from({ length: 10 }, () => limiter.tryTake('c1', 't1', 1_000)).filter(Boolean).length;
    expect(taken).toBe(7);
    expect(limiter.tryTake('c1', 't1', 2_001)).toBe(true); // the 8th within 2 s
    expect(limiter.tryTake('c1', 't1', 2_002)).toBe(false); // a 9th within 2 s is refused
    expect(limiter.tryTake('c2', 't1', 2_002)).toBe(true); // another conversation has its own windows
  });

  it('allows 60 per 30 seconds in one conversation', () => {
    const limiter = new RateLimiter();
    let taken = 0;
    for (let t = 0; t < 30_000; t += 100) if (limiter.tryTake('c1', 't1', t)) taken++;
    expect(taken).toBe(60);
  });

  it('allows 50 per second per tenant across conversations', () => {
    const limiter = new RateLimiter();
    let taken = 0;
    for (let i = 0; i < 100; i++) if (limiter.tryTake(`c${i}`, 't1', 5_000)) taken++;
    expect(taken).toBe(50);
    expect(limiter.tryTake('other', 't2', 5_000)).toBe(true);
  });
});
