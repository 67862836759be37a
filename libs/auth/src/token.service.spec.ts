import { loadConfig } from '@chat/config';
import { ErrorCode } from '@chat/contracts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { TokenService, bearerToken, keyId } from './token.service.js';

const header = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());

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

  it('rotates keys without logging anyone out: the previous key verifies, the current one signs', () => {
    const before = new TokenService(config({ JWT_SECRET: 'a'.repeat(40) }));
    const issuedBefore = before.signAccess({ id: 'u1', username: 'alice' });
    const after = new TokenService(
      config({ JWT_SECRET: 'b'.repeat(40), JWT_SECRET_PREVIOUS: 'a'.repeat(40) }),
    );
    expect(after.verifyAccess(issuedBefore).id).toBe('u1');
    const issuedAfter = after.signAccess({ id: 'u2', username: 'bob' });
    expect(header(issuedAfter)).toEqual({ alg: 'HS256', typ: 'JWT', kid: keyId('b'.repeat(40)) });
    expect(header(issuedBefore).kid).toBe(keyId('a'.repeat(40)));
    // Once the previous key is dropped, its tokens stop working; the current one's keep going.
    const dropped = new TokenService(config({ JWT_SECRET: 'b'.repeat(40) }));
    expect(() => dropped.verifyAccess(issuedBefore)).toThrow(
      expect.objectContaining({ code: ErrorCode.UNAUTHORIZED }),
    );
    expect(dropped.verifyAccess(issuedAfter).id).toBe('u2');
  });

  it('accepts a token without kid (issued before keys had ids) from either key, and refuses an unknown kid', () => {
    const legacy = new JwtService({ secret: 'a'.repeat(40), signOptions: { algorithm: 'HS256' } });
    const token = legacy.sign({ sub: 'u1', name: 'alice', typ: 'access' }, { expiresIn: 60 });
    const tokens = new TokenService(
      config({ JWT_SECRET: 'b'.repeat(40), JWT_SECRET_PREVIOUS: 'a'.repeat(40) }),
    );
    expect(tokens.verifyAccess(token).id).toBe('u1');
    const otherKid = new JwtService({
      secret: 'a'.repeat(40),
      signOptions: { algorithm: 'HS256', keyid: 'nope' },
    });
    expect(() => tokens.verifyAccess(otherKid.sign({ sub: 'u1', name: 'alice', typ: 'access' }))).toThrow(
      expect.objectContaining({ code: ErrorCode.UNAUTHORIZED }),
    );
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
