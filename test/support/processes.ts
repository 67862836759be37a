import { afterAll, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { appEntry } from '../../scripts/paths.mjs';
import { PORT_VARS, freePort, spawnApp, type SpawnedApp } from '../../scripts/harness.mjs';
import { phases } from './phases.js';
import type { ClientSocket } from './socket.js';

/** An app running as its own process; stop() sends SIGTERM (SIGKILL after a grace). */
export interface AppProcess extends SpawnedApp {
  /** Where its stdout and stderr (JSON log lines) go. */
  logPath: string;
}

/** Several built apps at once (a name may repeat), each with `env`. */
export function startAppProcesses(names: string[], env: Record<string, string> = {}): Promise<AppProcess[]> {
  return Promise.all(names.map((name) => startAppProcess(name, env)));
}

/**
 * Runs a built app (dist/) as its own process, the way `npm start` and the containers do, with
 * its log (JSON lines) in DATA_DIR; resolves once /health answers.
 */
export async function startAppProcess(name: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const entry = appEntry(name);
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  const portVar = PORT_VARS[name as keyof typeof PORT_VARS];
  // A given port (a restart on the same address) or a free one.
  const port = env[portVar] ? Number(env[portVar]) : await freePort();
  // The file app also serves gRPC: give it a free port too, so parallel tests never collide.
  if (name === 'file' && !env.FILE_GRPC_PORT) env = { ...env, FILE_GRPC_PORT: String(await freePort()) };
  const app = await spawnApp(name, {
    port,
    env: { LOG_LEVEL: 'warn', ...env },
    nodeArgs: ['--enable-source-maps'],
    // Bounds a hang, not speed: four apps booting at once on a busy two-core machine took 30 s.
    timeoutMs: 60_000,
    output: join(process.env.DATA_DIR!, `${name}-${port}.log`),
  });
  return { ...app, logPath: app.logFile! };
}

export interface ChatProcesses {
  /** The api and socket apps, set before the file's first test. */
  api: AppProcess;
  socket: AppProcess;
  /** Sockets the tests opened: closed after the file's tests. */
  sockets: ClientSocket[];
  /** Other processes the tests started: stopped after the file's tests, with the api and socket apps. */
  others: AppProcess[];
}

/**
 * The api and socket apps as processes with `env`, for this test file: started before its tests
 * (within `startMs`), stopped after them with whatever the tests put in `sockets` and `others`.
 */
export function chatProcesses(env: Record<string, string>, startMs = 30_000): ChatProcesses {
  const boot = phases({ apps: startMs });
  const chat = { sockets: [], others: [] } as unknown as ChatProcesses;
  beforeAll(async () => {
    [chat.api, chat.socket] = await boot.run('apps', () => startAppProcesses(['api', 'socket'], env));
  }, boot.totalMs);
  afterAll(async () => {
    for (const s of chat.sockets) s.close();
    await Promise.all([chat.api, chat.socket, ...chat.others].map((p) => p?.stop()));
  });
  return chat;
}
