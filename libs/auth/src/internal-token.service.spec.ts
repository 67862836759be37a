import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '@chat/config';
import { InternalTokenError, InternalTokenService } from './internal-token.service.js';
import { TokenService } from './token.service.js';

const service = (env: Record<string, string> = {}) =>
  new InternalTokenService(
    loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), 'internal-')),
      JWT_SECRET: 'j'.repeat(40),
      INTERNAL_SERVICE_SECRET: 'i'.repeat(40),
      ...env,
    }),
  );

const refusal = (reason: 'unauthenticated' | 'forbidden') =>
  expect.objectContaining({ name: 'InternalTokenError', reason });

const ROOM = 'a'.repeat(24);

describe('InternalTokenService', () => {
  it('grants an upload to the room and uploader the token names', () => {
    const tokens = service();
    const token = tokens.sign({ scope: 'upload', roomId: ROOM, uploaderId: 'u1' }, 'socket');
    expect(tokens.verify(token, 'upload')).toEqual({ scope: 'upload', roomId: ROOM, uploaderId: 'u1' });
  });

  it('binds delete and stat to one file', () => {
    const tokens = service();
    const token = tokens.sign({ scope: 'delete', fileId: 'f1' }, 'worker');
    expect(tokens.verify(token, 'delete', 'f1')).toEqual({ scope: 'delete', fileId: 'f1' });
    expect(() => tokens.verify(token, 'delete', 'f2')).toThrow(refusal('forbidden'));
    expect(() => tokens.verify(token, 'stat', 'f1')).toThrow(refusal('forbidden'));
    expect(() => tokens.verify(token, 'upload')).toThrow(refusal('forbidden'));
  });

  it('refuses no token, garbage, another key, an access token and an expired token', () => {
    const tokens = service();
    const other = service({ INTERNAL_SERVICE_SECRET: 'z'.repeat(40) });
    const access = new TokenService(
      loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'internal-')), JWT_SECRET: 'i'.repeat(40) }),
    ).signAccess({ id: 'u1', username: 'alice' });
    const unsigned = new JwtService({ secret: 'i'.repeat(40) }).sign({ typ: 'internal', scope: 'delete' });
    for (const token of [
      undefined,
      '',
      'garbage',
      other.sign({ scope: 'delete', fileId: 'f1' }, 'worker'),
      // Signed with the same secret, but neither for this audience nor of this type.
      access,
      unsigned,
      tokens.sign({ scope: 'delete', fileId: 'f1' }, 'worker', -1),
    ]) {
      expect(() => tokens.verify(token, 'delete', 'f1')).toThrow(refusal('unauthenticated'));
    }
  });

  it('refuses an upload token that names no room or no uploader', () => {
    const tokens = service();
    expect(() => tokens.verify(tokens.sign({ scope: 'upload', roomId: ROOM }, 'socket'), 'upload')).toThrow(
      refusal('forbidden'),
    );
    expect(() =>
      tokens.verify(tokens.sign({ scope: 'upload', uploaderId: 'u' }, 'socket'), 'upload'),
    ).toThrow(InternalTokenError);
  });

  it('keeps tokens of the previous key valid through a rotation', () => {
    const before = service({ INTERNAL_SERVICE_SECRET: 'a'.repeat(40) });
    const token = before.sign({ scope: 'delete', fileId: 'f1' }, 'worker');
    const rotated = service({
      INTERNAL_SERVICE_SECRET: 'b'.repeat(40),
      INTERNAL_SERVICE_SECRET_PREVIOUS: 'a'.repeat(40),
    });
    expect(rotated.verify(token, 'delete', 'f1').fileId).toBe('f1');
    expect(() => service({ INTERNAL_SERVICE_SECRET: 'b'.repeat(40) }).verify(token, 'delete', 'f1')).toThrow(
      refusal('unauthenticated'),
    );
  });
});
