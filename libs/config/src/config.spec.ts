import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'chat-config-'));

  it('applies the contract defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir() });
    expect(config.API_PORT).toBe(3000);
    expect(config.SOCKET_PORT).toBe(3001);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.MONGO_URL).toBe('mongodb://127.0.0.1:27017/chat');
    expect(config.ACCESS_TOKEN_TTL_SEC).toBe(900);
    expect(config.MAX_CONTENT_LENGTH).toBe(4000);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), API_PORT: 'abc' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ DATA_DIR: dataDir(), IDEMPOTENCY_TTL_SEC: '60' })).toThrow(
      /IDEMPOTENCY_TTL_SEC/,
    );
  });

  const strong = (tag: string) => `${tag}-${'Zq8vR2mW7xK4pL9nB3cT6yH1fJ5gD0sA'}`;
  /** What production needs: three strong, different keys and explicit origins. */
  const production = (env: Record<string, string> = {}) =>
    loadConfig({
      DATA_DIR: dataDir(),
      NODE_ENV: 'production',
      JWT_SECRET: strong('jwt'),
      FILE_LINK_SECRET: strong('links'),
      INTERNAL_SERVICE_SECRET: strong('internal'),
      CORS_ORIGINS: 'https://chat.example',
      ...env,
    });

  it('starts in production with three strong keys and explicit origins', () => {
    const config = production();
    expect(config.jwtKeys).toEqual({ current: strong('jwt'), previous: null });
    expect(config.fileLinkKeys).toEqual({ current: strong('links'), previous: null });
    expect(config.internalKeys).toEqual({ current: strong('internal'), previous: null });
  });

  it('refuses to start in production without each key, naming it in one line', () => {
    expect(() => production({ JWT_SECRET: '' })).toThrow(ConfigError);
    expect(() => production({ JWT_SECRET: '' })).toThrow(/JWT_SECRET: required/);
    expect(() => production({ FILE_LINK_SECRET: '' })).toThrow(/FILE_LINK_SECRET: required/);
    expect(() => production({ INTERNAL_SERVICE_SECRET: '' })).toThrow(/INTERNAL_SERVICE_SECRET: required/);
  });

  it('refuses placeholder and low-entropy secrets in production only', () => {
    for (const weak of [
      'replace-with-at-least-32-random-characters',
      'k'.repeat(40),
      'abcabcabcabcabcabcabcabcabcabcabcabc',
      'my-super-secret-jwt-key-for-production-2026',
      '0123456789012345678901234567890123456789',
    ]) {
      expect(() => production({ JWT_SECRET: weak })).toThrow(
        /JWT_SECRET: is (a placeholder|too predictable)/,
      );
      expect(() => production({ FILE_LINK_SECRET_PREVIOUS: weak })).toThrow(/FILE_LINK_SECRET_PREVIOUS/);
      expect(() => production({ INTERNAL_SERVICE_SECRET: weak })).toThrow(/INTERNAL_SERVICE_SECRET: is/);
      expect(() => production({ INTERNAL_SERVICE_SECRET_PREVIOUS: weak })).toThrow(
        /INTERNAL_SERVICE_SECRET_PREVIOUS/,
      );
      expect(loadConfig({ DATA_DIR: dataDir(), JWT_SECRET: weak }).jwtKeys.current).toBe(weak);
    }
    // Random bytes pass, in hex or base64.
    for (const random of [randomBytes(16).toString('hex'), randomBytes(32).toString('base64')])
      expect(production({ JWT_SECRET: random }).jwtKeys.current).toBe(random);
  });

  it('refuses one key for both tokens and links, and `*` origins, in production', () => {
    expect(() => production({ FILE_LINK_SECRET: strong('jwt') })).toThrow(/FILE_LINK_SECRET: must differ/);
    expect(() => production({ INTERNAL_SERVICE_SECRET: strong('jwt') })).toThrow(
      /INTERNAL_SERVICE_SECRET: must differ from JWT_SECRET/,
    );
    expect(() => production({ INTERNAL_SERVICE_SECRET: strong('links') })).toThrow(
      /INTERNAL_SERVICE_SECRET: must differ from FILE_LINK_SECRET/,
    );
    expect(() => production({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => production({ CORS_ORIGINS: '' })).toThrow(/CORS_ORIGINS/);
  });

  it('keeps generated development keys across restarts, one per purpose', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir });
    const second = loadConfig({ DATA_DIR: dir });
    expect(first.jwtKeys.current).toHaveLength(64);
    expect(second.jwtKeys).toEqual(first.jwtKeys);
    expect(second.fileLinkKeys).toEqual(first.fileLinkKeys);
    expect(first.fileLinkKeys.current).not.toBe(first.jwtKeys.current);
    expect(readFileSync(join(dir, 'secrets', 'jwt-secret'), 'utf8')).toBe(first.jwtKeys.current);
    expect(readFileSync(join(dir, 'secrets', 'file-link-secret'), 'utf8')).toBe(first.fileLinkKeys.current);
    expect(second.internalKeys).toEqual(first.internalKeys);
    expect(
      new Set([first.jwtKeys.current, first.fileLinkKeys.current, first.internalKeys.current]).size,
    ).toBe(3);
    expect(readFileSync(join(dir, 'secrets', 'internal-service-secret'), 'utf8')).toBe(
      first.internalKeys.current,
    );
  });

  it('prefers JWT_SECRET from the environment, and takes a previous key', () => {
    const secret = 'x'.repeat(40);
    const config = loadConfig({
      DATA_DIR: dataDir(),
      JWT_SECRET: secret,
      JWT_SECRET_PREVIOUS: 'y'.repeat(40),
    });
    expect(config.jwtKeys).toEqual({ current: secret, previous: 'y'.repeat(40) });
  });

  it('reads <NAME>_FILE, and names it when it is unusable', () => {
    const dir = dataDir();
    const file = join(dir, 'jwt');
    const secret = strong('from-file');
    writeFileSync(file, `${secret}\n`);
    expect(production({ JWT_SECRET: '', JWT_SECRET_FILE: file }).jwtKeys.current).toBe(secret);
    expect(production({ FILE_LINK_SECRET: '', FILE_LINK_SECRET_FILE: file }).fileLinkKeys.current).toBe(
      secret,
    );
    expect(
      production({ INTERNAL_SERVICE_SECRET: '', INTERNAL_SERVICE_SECRET_FILE: file }).internalKeys.current,
    ).toBe(secret);
    expect(() => loadConfig({ DATA_DIR: dir, JWT_SECRET_FILE: join(dir, 'missing') })).toThrow(
      /JWT_SECRET_FILE/,
    );
    writeFileSync(file, 'short');
    expect(() => loadConfig({ DATA_DIR: dir, JWT_SECRET_FILE: file })).toThrow(/JWT_SECRET_FILE/);
  });

  it('splits CORS origins', () => {
    expect(loadConfig({ DATA_DIR: dataDir(), CORS_ORIGINS: 'http://a, http://b' }).corsOrigins).toEqual([
      'http://a',
      'http://b',
    ]);
  });
});
