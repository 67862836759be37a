import { ensureArtillery, failures, runScenario } from '../../artillery/run.mjs';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { freePort } from '../../scripts/harness.mjs';

/**
 * The Artillery scenarios (artillery/*.yml) in their short `smoke` environment against the built
 * apps, so they cannot rot: every virtual user must register, join, and get an ok ack for every
 * send. The first run installs Artillery into artillery/node_modules.
 */
const ENV = { REDIS_URL: redisDb(REDIS_DB.artillery) };
let api: AppProcess;
let file: AppProcess;
let socket: AppProcess;

beforeAll(async () => {
  ensureArtillery();
  const grpc = String(await freePort());
  [api, file] = await Promise.all([
    startAppProcess('api', ENV),
    startAppProcess('file', { ...ENV, FILE_GRPC_PORT: grpc }),
  ]);
  socket = await startAppProcess('socket', { ...ENV, FILE_GRPC_URL: `127.0.0.1:${grpc}` });
}, 300_000);

afterAll(async () => {
  await Promise.all([api, file, socket].filter(Boolean).map((app) => app.stop()));
});

it.each([
  // [scenario, virtual users, emits each: one room:join + the sends]
  ['seed-004', 4, 1 + 5],
  ['seed-003', 6, 1 + 3],
  ['file-upload', 2, 1 + 2],
] as const)(
  '%s (smoke): every virtual user completes with every ack ok',
  async (name, users, emitsEach) => {
    const aggregate = await runScenario(name, {
      smoke: true,
      socketUrl: socket.url,
      apiUrl: api.url,
      users: 6,
    });
    expect(failures(aggregate)).toEqual({ failedUsers: 0, errors: {} });
    expect(aggregate.counters['vusers.completed']).toBe(users);
    expect(aggregate.counters['socketio.emit']).toBe(users * emitsEach);
  },
  120_000,
);
