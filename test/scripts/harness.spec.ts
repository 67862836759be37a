import { join } from 'node:path';
import { freePort, hasExited, spawnApp, stop, stopAll, waitUntil } from '../../scripts/harness.mjs';

/**
 * scripts/harness.mjs, which `npm start`, the tests and the bench start and stop processes with,
 * run over the supervisor test's stand-in app (fixtures/serve.mjs: answers every request).
 */
const SERVE = join(import.meta.dirname, 'fixtures', 'serve.mjs');

const serve = async (mode = '') => {
  const port = await freePort();
  return spawnApp('stand-in', {
    entry: SERVE,
    args: ['stand-in', String(port), mode],
    port,
    output: 'ignore',
  });
};

it('starts a program, resolves once it answers, and stops it with SIGTERM', async () => {
  const app = await serve();
  expect(await (await fetch(`${app.url}/health`)).json()).toEqual({ name: 'stand-in', pid: app.child.pid });
  expect(await app.stop()).toBe('SIGTERM');
  expect(hasExited(app.child)).toBe(true);
  // Stopping again is harmless.
  expect(await stop(app.child)).toBe('SIGTERM');
});

it('sends SIGKILL to a process that ignores SIGTERM, after the grace', async () => {
  const app = await serve('stubborn');
  let told = false;
  const started = Date.now();
  expect(await app.stop({ graceMs: 300, onKill: () => (told = true) })).toBe('SIGKILL');
  expect(told).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(300);
});

it('fails with what it waited for when the program exits before it answers', async () => {
  await expect(
    spawnApp('broken', { entry: join(import.meta.dirname, 'no-such-file.mjs'), output: 'ignore' }),
  ).rejects.toThrow(/gave up waiting for broken to answer .*\/health.*exited \(1\)/);
});

it('waits until a condition holds, and names it when it does not', async () => {
  let checks = 0;
  expect(await waitUntil(() => ++checks >= 3 && 'done', { intervalMs: 1 })).toBe('done');
  await expect(waitUntil(() => false, { what: 'never', timeoutMs: 50, intervalMs: 10 })).rejects.toThrow(
    'timed out waiting for never',
  );
  await expect(
    waitUntil(
      () => {
        throw new Error('broken check');
      },
      { timeoutMs: 1000 },
    ),
  ).rejects.toThrow('broken check');
});

it('stops everything it started that still runs', async () => {
  const [one, two] = await Promise.all([serve(), serve()]);
  await stopAll();
  expect([hasExited(one.child), hasExited(two.child)]).toEqual([true, true]);
});
