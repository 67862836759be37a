import { loadConfig } from '@chat/config';
import { ErrorCode } from '@chat/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenService, bearerToken } from './token.service.js';

const config = (env: Record<string, string> = {}) =>
  loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'tok-')), JWT_SECRET: 'k'.repeat(40), ...env });

describe('TokenService', () => {
  it('round-trips a user', () => {
    const tokens = new TokenService(config());
    const verified = tokens.verifyAccess(tokens.signAccess({ id: 'u1', username: 'alice' }));
    expect(verified.id).toBe('u1');
    expect(verified.username).toBe('alice');
    expect(verified.expiresAt - Date.now()).toBeGreaterThan(890_000);
  });

  it('rejects tokens signed with another secret, garbage and nothing', () => {
    const other = new TokenService(config({ JWT_SECRET: 'z'.repeat(40) }));
    const tokens = new TokenService(config());
    for (const token of [other.signAccess({ id: 'u', username: 'a' }), 'garbage', '', undefined]) {
      expect(() => tokens.verifyAccess(token)).toThrow(
        expect.objectContaining({ code: ErrorCode.UNAUTHORIZED }),
      );
    }
  });

  it('rejects an expired token', () => {
    const tokens = new TokenService(config({ ACCESS_TOKEN_TTL_SEC: '1' }));
    const token = tokens.signAccess({ id: 'u', username: 'a' });
    const realNow = Date.now;
    Date.now = () => realNow() + 5000;
    try {
      expect(() => tokens.verifyAccess(token)).toThrow(
        expect.objectContaining({ code: ErrorCode.UNAUTHORIZED }),
      );
    } finally {
      Date.now = realNow;
    }
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer header and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
