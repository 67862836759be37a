import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}; see ${log.path}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`${name} not healthy after 30 s; see ${log.path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
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
