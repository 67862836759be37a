// The one process harness of `npm start`, the tests and the bench: start an app (or any Node
// program) and wait until it answers, wait until a condition holds, find a free port, stop a
// process. Builtins only, so plain Node scripts and the TypeScript tests (through
// harness.d.mts) use the same code.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import net from 'node:net';
import { APPS, ROOT_DIR, appEntry, nodeFlags } from './paths.mjs';

/** The variable that sets each app's HTTP port. */
export const PORT_VARS = {
  api: 'API_PORT',
  socket: 'SOCKET_PORT',
  file: 'FILE_HTTP_PORT',
  worker: 'WORKER_PORT',
};

/**
 * Polls `check` until it returns something truthy, and resolves with that. Fails naming `what`
 * after `timeoutMs` (or at `deadline`, a Date.now() time), when `child` (a process the condition
 * depends on) exits first, or at once when `check` throws.
 */
export async function waitUntil(
  check,
  { what = 'a condition', timeoutMs = 30_000, deadline, intervalMs = 100, child } = {},
) {
  const end = deadline ?? Date.now() + timeoutMs;
  for (;;) {
    if (child && hasExited(child))
      throw new Error(
        `gave up waiting for ${what}: pid ${child.pid} exited (${child.exitCode ?? child.signalCode})`,
      );
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A TCP port nothing listens on right now, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** True once `child` has exited (by itself or by a signal). */
export const hasExited = (child) => child.exitCode !== null || child.signalCode !== null;

/**
 * Ends `child`: `signal` (SIGTERM), then SIGKILL when it is still there after `graceMs`
 * (`onKill` is told first). Resolves with its exit code, or the signal that ended it.
 */
export function stop(child, { signal = 'SIGTERM', graceMs = 10_000, onKill } = {}) {
  if (hasExited(child)) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => {
      onKill?.();
      child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', (code, exitSignal) => {
      clearTimeout(kill);
      resolve(code ?? exitSignal);
    });
    child.kill(signal);
  });
}

/** What spawnApp started and is still running. */
const running = new Set();

/**
 * Stops everything spawnApp started that still runs: the safety net of a caller that may fail
 * half-way through starting several (the test suite calls it after each test file).
 */
export function stopAll(options) {
  return Promise.all([...running].map((child) => stop(child, options)));
}

/** True when `url` answers 2xx. */
export const answers = (url) =>
  fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.ok,
    () => false,
  );

/**
 * Waits until `url` answers 2xx; fails when `child` (the process that should answer) exits
 * first, or after `timeoutMs`.
 */
export function waitUntilAnswers(url, { what = url, timeoutMs = 30_000, child } = {}) {
  return waitUntil(() => answers(url), {
    what: `${what} to answer ${url} within ${timeoutMs / 1000} s`,
    timeoutMs,
    child,
  });
}

/**
 * Starts `name` as its own Node process and resolves once `healthPath` answers on its port.
 * One of the four apps runs with its Node flags, as `npm start` runs it, from its build in dist/
 * (or `entry`), its port in its PORT_VARS variable; any other program runs `entry` with PORT.
 * `output`: 'inherit' or 'ignore' (stdout and stderr alike, or one each as [stdout, stderr]),
 * or a file path that receives both. Whatever it printed is in the error when it fails to start.
 */
export async function spawnApp(
  name,
  {
    env = {},
    port,
    entry,
    args = [],
    nodeArgs = [],
    cwd = ROOT_DIR,
    healthPath = '/health',
    timeoutMs = 30_000,
    output = 'inherit',
  } = {},
) {
  const app = APPS.includes(name);
  const portVar = app ? PORT_VARS[name] : 'PORT';
  port ??= env[portVar] ? Number(env[portVar]) : await freePort();
  const [out, err] = Array.isArray(output) ? output : [output, output];
  const logFile = typeof out === 'string' && out !== 'inherit' && out !== 'ignore' ? out : null;
  const child = spawn(
    process.execPath,
    [...(app ? nodeFlags(name) : []), ...nodeArgs, entry ?? appEntry(name), ...args],
    {
      cwd,
      env: { ...process.env, [portVar]: String(port), ...env },
      stdio: ['ignore', logFile ? 'pipe' : out, logFile ? 'pipe' : err],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (logFile) {
    const log = createWriteStream(logFile);
    child.stdout.pipe(log);
    child.stderr.pipe(log);
  }
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswers(`${url}${healthPath}`, { what: name, timeoutMs, child });
  } catch (error) {
    await stop(child, { signal: 'SIGKILL' });
    throw new Error(logFile ? `${error.message}; see ${logFile}` : error.message);
  }
  return { name, url, port, child, logFile, stop: (options) => stop(child, options) };
}
