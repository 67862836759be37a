import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from './phases.js';
import { freePort } from './redis-server.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface AppProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** Where its stdout and stderr (JSON log lines) go. */
  logPath: string;
  /** SIGTERM, then the exit code (or signal name). */
  stop(): Promise<number | string | null>;
}

/**
 * Polls `url` until it answers 2xx. Fails when `child` (the process that should answer) exits
 * first, or after `timeoutMs`.
 */
export async function waitUntilAnswers(
  url: string,
  what: string,
  timeoutMs: number,
  child?: ChildProcess,
): Promise<void> {
  await waitFor(
    `${what} to answer ${url} within ${timeoutMs / 1000} s`,
    async () => {
      if (child && (child.exitCode !== null || child.signalCode !== null))
        throw new Error(`${what} exited with ${child.exitCode ?? child.signalCode}`);
      return fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    },
    { deadline: Date.now() + timeoutMs, intervalMs: 100 },
  );
}

/** Runs a built app (dist/) as its own process, the way `npm start` and the containers do. */
export async function startAppProcess(name: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const entry = join(ROOT, 'dist', name, 'apps', name, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  const portVar = { api: 'API_PORT', socket: 'SOCKET_PORT', file: 'FILE_HTTP_PORT', worker: 'WORKER_PORT' }[
    name
  ]!;
  // A given port (a restart on the same address) or a free one.
  const port = env[portVar] ? Number(env[portVar]) : await freePort();
  // The file app also serves gRPC: give it a free port too, so parallel tests never collide.
  if (name === 'file' && !env.FILE_GRPC_PORT) env = { ...env, FILE_GRPC_PORT: String(await freePort()) };
  const logPath = join(process.env.DATA_DIR!, `${name}-${port}.log`);
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, ['--enable-source-maps', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', [portVar]: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswers(`${url}/health`, name, 30_000, child).catch((error: Error) => {
    throw new Error(`${error.message}; see ${log.path}`);
  });
  return {
    name,
    url,
    child,
    logPath,
    stop: () =>
      new Promise((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null)
          return resolveStop(child.exitCode ?? child.signalCode);
        child.once('exit', (code, signal) => resolveStop(code ?? signal));
        child.kill('SIGTERM');
      }),
  };
}
