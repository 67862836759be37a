import { isDatabaseUnavailable } from './http-error.filter.js';

describe('isDatabaseUnavailable', () => {
  it('recognises driver connectivity errors and nothing else', () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(isDatabaseUnavailable(named('MongoServerSelectionError'))).toBe(true);
    expect(isDatabaseUnavailable(named('MongooseServerSelectionError'))).toBe(true);
    expect(isDatabaseUnavailable(named('MongoNetworkError'))).toBe(true);
    expect(isDatabaseUnavailable(named('MongoNotConnectedError'))).toBe(true);
    expect(isDatabaseUnavailable(named('MongoServerError'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable('MongoNetworkError')).toBe(false);
  });
});
