import { http } from '../support/http.js';
import { ackedCount, expectExact, sendMessages, waitForDrain, type SendStats } from '../support/load.js';
import { phases } from '../support/phases.js';
import { startAppProcesses, type AppProcess } from '../support/processes.js';
import { freePort } from '../../scripts/harness.mjs';
import { PrivateRedis } from '../support/redis-server.js';
import { userInNewRoom, type ClientSocket } from '../support/socket.js';

/**
 * Redis SIGKILLed while clients send: every send during the outage fails with STORE_FAILED
 * (never a false ok), or STORE_UNKNOWN for the few in flight at the kill (they may have been
 * stored: the retry with the same clientMsgId settles it), the apps keep running, and recover by themselves when Redis returns.
 * The private Redis fsyncs every write (appendfsync always), so an ok ack is on disk; with the
 * default `everysec` up to a second of acked writes could be lost to a crash (see README).
 */
const COUNT = 600;
const boot = phases({ redis: 15_000, apps: 30_000 });
const steps = phases({
  room: 30_000,
  sending: 30_000,
  outage: 30_000,
  recovery: 60_000,
  drain: 60_000,
  healthy: 30_000,
  exact: 60_000,
});

let redis: PrivateRedis;
let api: AppProcess, socket: AppProcess, worker: AppProcess;
const sockets: ClientSocket[] = [];
const apps = () => [api, socket, worker];
const healthStatuses = async () =>
  (await Promise.all(apps().map((p) => http(p.url, 'GET', '/health')))).map((h) => h.status);

beforeAll(async () => {
  redis = new PrivateRedis(await freePort(), true);
  await boot.run('redis', () => redis.start(boot.budgetMs.redis));
  [api, socket, worker] = await boot.run('apps', () =>
    startAppProcesses(['api', 'socket', 'worker'], { REDIS_URL: redis.url, WORKER_INTERVAL_MS: '50' }),
  );
}, boot.totalMs);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all(apps().map((p) => p?.stop()));
  await redis.stop();
});

it(
  'answers STORE_FAILED during the outage, recovers, and ends exact',
  async () => {
    const { alice, roomId, a } = await steps.run('room', async () => {
      const { user: alice, roomId, socket: a } = await userInNewRoom(api.url, socket.url);
      sockets.push(a);
      return { alice, roomId, a };
    });

    const stats: SendStats = { acked: [], failures: {} };
    const sending = sendMessages(a, roomId, 'a', COUNT, {
      inFlight: 5,
      pauseMs: 10,
      retryPauseMs: 100,
      stats,
    });
    // Redis goes down mid-stream: some sends acked, most still to come.
    await steps.run('sending', (phase) => phase.waitFor('100 acks', () => ackedCount(stats) >= 100));
    await steps.run('outage', async (phase) => {
      await redis.stop();
      await phase.waitFor('a send to fail with STORE_FAILED', () => stats.failures.STORE_FAILED > 0);
      await phase.waitFor('every app to report 503 on /health', async () =>
        (await healthStatuses()).every((status) => status === 503),
      );
    });
    await steps.run('recovery', async () => {
      await redis.start();
      await sending;
    });

    expect(stats.failures.STORE_FAILED).toBeGreaterThan(0);
    expect(
      Object.keys(stats.failures).filter((code) => code !== 'STORE_FAILED' && code !== 'STORE_UNKNOWN'),
    ).toEqual([]);
    for (const app of apps()) expect(app.child.exitCode).toBeNull();
    await steps.run('drain', () => waitForDrain(redis.url, [roomId], steps.budgetMs.drain));
    await steps.run('healthy', (phase) =>
      phase.waitFor('every app to report 200 on /health', async () =>
        (await healthStatuses()).every((status) => status === 200),
      ),
    );
    await steps.run('exact', () => expectExact(api.url, process.env.MONGO_URL!, alice, roomId, stats.acked));
  },
  steps.totalMs,
);
