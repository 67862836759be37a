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

  it('refuses to start in production without JWT_SECRET', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it('keeps a generated development secret across restarts', () => {
    const dir = dataDir();
    const first = loadConfig({ DATA_DIR: dir }).jwtSecret;
    const second = loadConfig({ DATA_DIR: dir }).jwtSecret;
    expect(first).toHaveLength(64);
    expect(second).toBe(first);
    expect(readFileSync(join(dir, 'secrets', 'jwt-secret'), 'utf8')).toBe(first);
  });

  it('prefers JWT_SECRET from the environment', () => {
    const secret = 'x'.repeat(40);
    expect(loadConfig({ DATA_DIR: dataDir(), JWT_SECRET: secret }).jwtSecret).toBe(secret);
  });

  it('reads JWT_SECRET_FILE, and names it when it is unusable', () => {
    const dir = dataDir();
    const file = join(dir, 'jwt');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    expect(loadConfig({ DATA_DIR: dir, NODE_ENV: 'production', JWT_SECRET_FILE: file }).jwtSecret).toBe(
      's'.repeat(40),
    );
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
