import { RateLimiter } from './rate-limiter.js';

const limiter = (perSec: number, burst: number) => new RateLimiter(perSec, burst);

describe('RateLimiter', () => {
  it('allows the burst, then refuses until tokens refill at the rate', () => {
    const rl = limiter(10, 3);
    const t = 1_000_000;
    expect([rl.take('u', t), rl.take('u', t), rl.take('u', t), rl.take('u', t)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(rl.take('u', t + 50)).toBe(false); // half a token
    expect(rl.take('u', t + 100)).toBe(true); // one token after 100 ms at 10/s
    expect(rl.take('u', t + 100)).toBe(false);
  });

  it('keeps users apart and never exceeds the burst after a long pause', () => {
    const rl = limiter(10, 2);
    const t = 5_000_000;
    expect(rl.take('a', t)).toBe(true);
    expect(rl.take('a', t)).toBe(true);
    expect(rl.take('a', t)).toBe(false);
    expect(rl.take('b', t)).toBe(true);
    const later = t + 3_600_000;
    expect([rl.take('a', later), rl.take('a', later), rl.take('a', later)]).toEqual([true, true, false]);
  });

  it('is off at rate 0', () => {
    const rl = limiter(0, 1);
    for (let i = 0; i < 100; i++) expect(rl.take('u', 1)).toBe(true);
  });
});
