import { Redis } from 'ioredis';
import { ErrorCode } from '@chat/contracts';
import { createUser, uniqueName } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';

/**
 * The auth routes under a guesser and an account farm, against two api instances that share
 * Redis: the limits hold across instances, answer 429 RATE_LIMITED with Retry-After, and a flood
 * of password checks is refused (503) beyond a bounded queue while other routes keep answering.
 * X-Forwarded-For plays clients at different addresses (TRUST_PROXY=loopback).
 */
const REDIS_URL = redisDb(REDIS_DB.authThrottle);
const LIMITS = {
  REDIS_URL,
  TRUST_PROXY: 'loopback',
  AUTH_RATE_LIMIT_PER_IP: '5',
  AUTH_RATE_LIMIT_PER_USERNAME: '3',
  AUTH_RATE_LIMIT_PER_USERNAME_ALL: '6',
  AUTH_RATE_LIMIT_WINDOW_SEC: '60',
  REGISTER_RATE_LIMIT_PER_IP_PER_HOUR: '2',
};

const apps: AppProcess[] = [];

async function post(app: AppProcess, path: string, body: unknown, ip: string) {
  const res = await fetch(`${app.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

beforeAll(async () => {
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  apps.push(...(await Promise.all([startAppProcess('api', LIMITS), startAppProcess('api', LIMITS)])));
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
});

it('limits registrations per address, across instances', async () => {
  const statuses = [];
  for (let i = 0; i < 3; i++)
    statuses.push(
      await post(
        apps[i % 2]!,
        '/auth/register',
        { username: uniqueName(), password: 'password-1' },
        '10.0.0.1',
      ),
    );
  expect(statuses.slice(0, 2).map((r) => r.status)).toEqual([201, 201]);
  expect(statuses[2]).toMatchObject({ status: 429, body: { code: ErrorCode.RATE_LIMITED } });
  expect(Number(statuses[2]!.retryAfter)).toBeGreaterThan(0);
  // Another address is not affected.
  const other = await post(
    apps[0]!,
    '/auth/register',
    { username: uniqueName(), password: 'password-1' },
    '10.0.0.2',
  );
  expect(other.status).toBe(201);
});

it('limits failed logins per account: from one address, and from all addresses together', async () => {
  const username = uniqueName();
  expect(
    (await post(apps[0]!, '/auth/register', { username, password: 'right-password' }, '10.0.1.1')).status,
  ).toBe(201);
  const login = (ip: string, password: string, app = 0) =>
    post(apps[app]!, '/auth/login', { username, password }, ip);
  const guesses = [];
  for (let i = 0; i < 4; i++) guesses.push((await login('10.0.2.1', `guess-${i}`, i % 2)).status);
  // Three failures from this address for this account: the fourth attempt is refused.
  expect(guesses).toEqual([401, 401, 401, 429]);
  const blocked = await login('10.0.2.1', 'right-password');
  expect(blocked).toMatchObject({ status: 429, body: { code: ErrorCode.RATE_LIMITED } });
  expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
  // The owner, elsewhere, is not locked out by that guesser.
  expect((await login('10.0.9.9', 'right-password', 1)).status).toBe(200);
  // A guesser spread over addresses reaches the account's ceiling (6 failures a window).
  for (let i = 0; i < 3; i++) expect((await login(`10.0.4.${i}`, `spread-${i}`)).status).toBe(401);
  expect((await login('10.0.9.9', 'right-password', 1)).status).toBe(429);
});

it('limits login and refresh attempts per address', async () => {
  const results = [];
  for (let i = 0; i < 6; i++)
    results.push((await post(apps[i % 2]!, '/auth/refresh', { refreshToken: `x.${i}` }, '10.0.3.1')).status);
  expect(results).toEqual([401, 401, 401, 401, 401, 429]);
  const login = await post(
    apps[0]!,
    '/auth/login',
    { username: uniqueName(), password: 'whatever-1' },
    '10.0.3.1',
  );
  expect(login.status).toBe(429);
  expect((await post(apps[0]!, '/auth/refresh', { refreshToken: 'x.y' }, '10.0.3.2')).status).toBe(401);
});

it('refuses password checks beyond a bounded queue, while other routes keep answering', async () => {
  const busy = await startAppProcess('api', { PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '2' });
  apps.push(busy);
  const user = await createUser(busy.url);
  const flood = Array.from({ length: 30 }, (_, i) =>
    post(busy, '/auth/login', { username: user.username, password: `wrong-${i}` }, '127.0.0.1'),
  );
  const rooms = await fetch(`${busy.url}/rooms`, {
    headers: { authorization: `Bearer ${user.accessToken}` },
  });
  expect(rooms.status).toBe(200);
  const answers = await Promise.all(flood);
  const refused = answers.filter((a) => a.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused[0]).toMatchObject({ body: { code: ErrorCode.UNAVAILABLE }, retryAfter: '1' });
  expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true);
});
