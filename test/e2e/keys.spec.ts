import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createUser, http } from '../support/http.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';

/**
 * Signing keys as an operator meets them: production refuses a placeholder with one line naming
 * the variable, and a key rotates (JWT_SECRET moved to JWT_SECRET_PREVIOUS) without logging
 * anyone out. The built api runs as its own process, restarted with each key set.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const key = () => randomBytes(32).toString('base64url');
const kidOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string;

let running: AppProcess | undefined;

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

it('refuses to start in production on a placeholder secret, with one line naming it', () => {
  const result = spawnSync(process.execPath, [join(ROOT, 'dist', 'api', 'apps', 'api', 'src', 'main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      JWT_SECRET: 'replace-with-at-least-32-random-characters',
      FILE_LINK_SECRET: key(),
      CORS_ORIGINS: 'https://chat.example',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(/^ {2}JWT_SECRET: is a placeholder.*$/m);
});

it('rotates the access-token key without logging anyone out', async () => {
  const [first, second] = [key(), key()];
  running = await startAppProcess('api', { JWT_SECRET: first });
  const user = await createUser(running.url);
  await running.stop();

  // The new key signs; the old one still verifies what it signed.
  running = await startAppProcess('api', { JWT_SECRET: second, JWT_SECRET_PREVIOUS: first });
  expect((await http(running.url, 'GET', '/rooms', { token: user.accessToken })).status).toBe(200);
  const refreshed = await http(running.url, 'POST', '/auth/refresh', {
    body: { refreshToken: user.refreshToken },
  });
  expect(refreshed.status).toBe(200);
  expect(kidOf(refreshed.body.accessToken)).not.toBe(kidOf(user.accessToken));
  await running.stop();

  // The old key dropped: its tokens stop, the new key's go on.
  running = await startAppProcess('api', { JWT_SECRET: second });
  expect((await http(running.url, 'GET', '/rooms', { token: user.accessToken })).status).toBe(401);
  expect((await http(running.url, 'GET', '/rooms', { token: refreshed.body.accessToken })).status).toBe(200);
});
