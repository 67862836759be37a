// Runs one Artillery scenario against a running stack (npm start) and fails when any virtual
// user failed. Installs Artillery into artillery/node_modules on first use (it is large, and
// only load runs need it).
//   node artillery/run.mjs seed-004|seed-003|file-upload [--smoke]
//   SOCKET_URL (default http://127.0.0.1:3001), API_URL (default http://127.0.0.1:3000),
//   ARTILLERY_USERS accounts to make first (default 40; the virtual users share them)
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = dirname(fileURLToPath(import.meta.url));
const BIN = join(DIR, 'node_modules', '.bin', 'artillery');

export function ensureArtillery() {
  if (existsSync(BIN)) return;
  console.log('[artillery] installing Artillery into artillery/node_modules (first use)');
  // --ignore-scripts: its Playwright engine would download a browser, which load runs never use.
  const npm = spawnSync('npm', ['install', '--prefix', DIR, '--ignore-scripts', '--no-audit', '--no-fund'], {
    stdio: 'inherit',
  });
  if (npm.status !== 0) throw new Error('installing Artillery failed');
}

async function call(apiUrl, method, path, body, token) {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: body && JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Writes artillery/users.csv: `users` real accounts in rooms of two, made over the REST API,
 * one row (token, roomId) per account; virtual users take the rows in turn.
 */
export async function makeUsers(apiUrl, users) {
  // A kept-alive connection the server just closed fails the request ("fetch failed"): try
  // again with a fresh username, so a half-done registration never collides.
  const account = async (attempt = 1) => {
    try {
      return await newAccount();
    } catch (error) {
      if (attempt >= 3 || error?.name !== 'TypeError') throw error;
      return account(attempt + 1);
    }
  };
  const newAccount = async () => {
    const username = `art${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const password = 'artillery-password';
    await call(apiUrl, 'POST', '/auth/register', { username, password });
    return (await call(apiUrl, 'POST', '/auth/login', { username, password })).accessToken;
  };
  const rows = [];
  for (let i = 0; i < users; i += 2) {
    const [a, b] = await Promise.all([account(), account()]);
    const room = await call(apiUrl, 'POST', '/rooms', { name: `artillery ${i / 2}` }, a);
    await call(apiUrl, 'POST', `/rooms/${room.id}/members`, undefined, b);
    rows.push(`${a},${room.id}`, `${b},${room.id}`);
  }
  writeFileSync(join(DIR, 'users.csv'), `${rows.join('\n')}\n`);
}

/** Runs the scenario; returns the aggregate report (counters, summaries). */
export async function runScenario(name, { smoke = false, socketUrl, apiUrl, users = 40, env = {} } = {}) {
  ensureArtillery();
  await makeUsers(apiUrl, users);
  const outDir = join(DIR, '..', '.data', 'artillery');
  mkdirSync(outDir, { recursive: true });
  const output = join(outDir, `${name}${smoke ? '-smoke' : ''}.json`);
  const args = [
    'run',
    '--target',
    socketUrl,
    '--output',
    output,
    ...(smoke ? ['--environment', 'smoke'] : []),
  ];
  const run = spawnSync(BIN, [...args, join(DIR, `${name}.yml`)], {
    stdio: 'inherit',
    env: { ...process.env, ARTILLERY_DISABLE_TELEMETRY: 'true', ...env },
  });
  if (run.status !== 0) throw new Error(`artillery exited with ${run.status}`);
  return JSON.parse(readFileSync(output, 'utf8')).aggregate;
}

/** Virtual users that failed, and errors by kind. */
export function failures(aggregate) {
  const counters = aggregate.counters ?? {};
  const errors = Object.fromEntries(Object.entries(counters).filter(([k]) => k.startsWith('errors.')));
  return { failedUsers: counters['vusers.failed'] ?? 0, errors };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, ...flags] = process.argv.slice(2);
  if (!['seed-004', 'seed-003', 'file-upload'].includes(name ?? ''))
    throw new Error('usage: node artillery/run.mjs seed-004|seed-003|file-upload [--smoke]');
  const aggregate = await runScenario(name, {
    smoke: flags.includes('--smoke'),
    socketUrl: process.env.SOCKET_URL ?? 'http://127.0.0.1:3001',
    apiUrl: process.env.API_URL ?? 'http://127.0.0.1:3000',
    users: Number(process.env.ARTILLERY_USERS ?? 40),
  });
  const { failedUsers, errors } = failures(aggregate);
  if (failedUsers) {
    console.error(`[artillery] ${failedUsers} virtual users failed: ${JSON.stringify(errors)}`);
    process.exit(1);
  }
}
