import { isDependencyUnavailable } from './http-error.filter.js';

describe('isDependencyUnavailable', () => {
  it('recognises driver connectivity errors and nothing else', () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(isDependencyUnavailable(named('MongoServerSelectionError'))).toBe(true);
    expect(isDependencyUnavailable(named('MongooseServerSelectionError'))).toBe(true);
    expect(isDependencyUnavailable(named('MongoNetworkError'))).toBe(true);
    expect(isDependencyUnavailable(named('MongoNotConnectedError'))).toBe(true);
    expect(isDependencyUnavailable(named('MongoServerError'))).toBe(false);
    expect(isDependencyUnavailable(new Error('boom'))).toBe(false);
    expect(isDependencyUnavailable('MongoNetworkError')).toBe(false);
  });
});
