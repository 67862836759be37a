import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from the base up to the cap, with jitter between half and all of it', () => {
    expect(backoffDelay(0, 100, 10_000)).toBe(0);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(50, 100, 10_000, () => 1)).toBe(10_000);
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, 100, 10_000);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });
});
