import { createRoom, createUser, http } from '../support/http.js';
import { expectExact, sendMessages, waitForDrain } from '../support/load.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { PrivateRedis, freePort } from '../support/redis-server.js';
import { connect, type ClientSocket } from '../support/socket.js';

/**
 * Redis SIGKILLed while clients send: every send during the outage fails with STORE_FAILED
 * (never a false ok), the apps keep running, and recover by themselves when Redis returns.
 * The private Redis fsyncs every write (appendfsync always), so an ok ack is on disk; with the
 * default `everysec` up to a second of acked writes could be lost to a crash (see README).
 */
let redis: PrivateRedis;
let api: AppProcess, socket: AppProcess, worker: AppProcess;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  redis = new PrivateRedis(await freePort(), true);
  await redis.start();
  [api, socket, worker] = await Promise.all(
    ['api', 'socket', 'worker'].map((name) =>
      startAppProcess(name, { REDIS_URL: redis.url, WORKER_INTERVAL_MS: '50' }),
    ),
  );
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all([api, socket, worker].map((p) => p.stop()));
  await redis.stop();
});

it('answers STORE_FAILED during the outage, recovers, and ends exact', async () => {
  const alice = await createUser(api.url);
  const roomId = await createRoom(api.url, alice);
  const a = await connect(socket.url, alice.accessToken);
  sockets.push(a);
  expect(await a.emitWithAck('room:join', { roomId })).toEqual({ ok: true });

  const sending = sendMessages(a, roomId, 'a', 600, { inFlight: 5, pauseMs: 10, retryPauseMs: 100 });
  await new Promise((r) => setTimeout(r, 800));
  await redis.stop();
  await new Promise((r) => setTimeout(r, 2500));
  const health = await Promise.all([api, socket, worker].map((p) => http(p.url, 'GET', '/health')));
  expect(health.map((h) => h.status)).toEqual([503, 503, 503]);
  await redis.start();
  const stats = await sending;

  expect(stats.failures.STORE_FAILED).toBeGreaterThan(0);
  expect(Object.keys(stats.failures).filter((code) => code !== 'STORE_FAILED')).toEqual([]);
  for (const app of [api, socket, worker]) expect(app.child.exitCode).toBeNull();
  await waitForDrain(redis.url, [roomId]);
  const healthAfter = await Promise.all([api, socket, worker].map((p) => http(p.url, 'GET', '/health')));
  expect(healthAfter.map((h) => h.status)).toEqual([200, 200, 200]);
  await expectExact(api.url, process.env.MONGO_URL!, alice, roomId, stats.acked);
});
