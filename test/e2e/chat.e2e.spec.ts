import { Redis } from 'ioredis';
import { RedisKeys } from '@chat/redis';
import type { Message } from '@chat/contracts';
import { scrape, metric } from '../support/metrics.js';
import { createRoom, createUser, fullHistory, http, type TestUser } from '../support/http.js';
import { phases } from '../support/phases.js';
import { startAppProcess, startAppProcesses, type AppProcess } from '../support/processes.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { collect, connect, type ClientSocket } from '../support/socket.js';

/** Generous budgets for a loaded 2-core machine: they bound a hang, not speed. */
const boot = phases({ apps: 60_000 });
const steps = phases({
  room: 30_000,
  sending: 120_000,
  'history from the stream': 60_000,
  drain: 120_000,
  'history from MongoDB': 180_000,
  'metrics and stop': 60_000,
});

/**
 * The whole system as a frontend sees it: four app processes, two users chatting over socket.io,
 * history over REST before and after the worker moved everything into MongoDB.
 */
const PER_USER = 250;
const IN_FLIGHT = 25;

let api: AppProcess, socket: AppProcess, file: AppProcess, worker: AppProcess | undefined;
const sockets: ClientSocket[] = [];
const REDIS_URL = redisDb(REDIS_DB.e2e);

beforeAll(async () => {
  [api, socket, file] = await boot.run('apps', () =>
    startAppProcesses(['api', 'socket', 'file'], { REDIS_URL }),
  );
}, boot.totalMs);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all([api, socket, file, worker].filter(Boolean).map((p) => p!.stop()));
});

async function sendAll(sender: ClientSocket, roomId: string, tag: string): Promise<Message[]> {
  const acked: Message[] = new Array(PER_USER);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < PER_USER) {
      const i = next++;
      const ack = await sender.emitWithAck('chat:send', {
        roomId,
        clientMsgId: `${tag}-${i}`,
        content: `${tag} says ${i}`,
      });
      if (!ack.ok) throw new Error(`send ${tag}-${i} failed: ${JSON.stringify(ack)}`);
      acked[i] = ack.message;
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return acked;
}

const ids = (messages: Message[]) => messages.map((m) => m.id);

it(
  'delivers 500 messages between two users exactly once, with exact history before and after the drain',
  async () => {
    const { alice, bob, roomId, aliceSocket, bobSocket, toAlice, toBob } = await steps.run(
      'room',
      async () => {
        const alice: TestUser = await createUser(api.url);
        const bob: TestUser = await createUser(api.url);
        const roomId = await createRoom(api.url, alice);
        expect(
          (await http(api.url, 'POST', `/rooms/${roomId}/members`, { token: bob.accessToken })).status,
        ).toBe(204);

        const aliceSocket = await connect(socket.url, alice.accessToken);
        const bobSocket = await connect(socket.url, bob.accessToken);
        sockets.push(aliceSocket, bobSocket);
        const toAlice = collect(aliceSocket);
        const toBob = collect(bobSocket);
        expect(await aliceSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
        expect(await bobSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
        return { alice, bob, roomId, aliceSocket, bobSocket, toAlice, toBob };
      },
    );

    const [fromAlice, fromBob] = await steps.run('sending', async () => {
      const sent = await Promise.all([
        sendAll(aliceSocket, roomId, 'alice'),
        sendAll(bobSocket, roomId, 'bob'),
      ]);
      await Promise.all([
        toBob.waitFor(2 * PER_USER, steps.budgetMs.sending),
        toAlice.waitFor(2 * PER_USER, steps.budgetMs.sending),
      ]);
      return sent;
    });

    // Nothing is persisted yet: history comes from the Redis stream alone, complete and in order.
    const acked = [...fromAlice, ...fromBob];
    const expectedOrder = await steps.run('history from the stream', async () =>
      (await fullHistory(api.url, alice, roomId)).map((m) => m.id),
    );
    expect(expectedOrder).toHaveLength(2 * PER_USER);
    expect([...expectedOrder].sort()).toEqual(ids(acked).sort());

    // Both sockets joined the room: each gets every message (its own too) once, in history order.
    expect(ids(toBob.received)).toEqual(expectedOrder);
    expect(ids(toAlice.received)).toEqual(expectedOrder);
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.xlen(RedisKeys.roomStream(roomId))).toBe(2 * PER_USER);

      // Now the worker moves everything into MongoDB.
      await steps.run('drain', async (phase) => {
        worker = await startAppProcess('worker', { REDIS_URL });
        await phase.waitFor(
          'the worker to drain the stream',
          async () => (await redis.xlen(RedisKeys.roomStream(roomId))) === 0,
          100,
        );
      });
    } finally {
      await redis.quit();
    }

    await steps.run('history from MongoDB', async () => {
      for (const viewer of [alice, bob]) {
        const after = await fullHistory(api.url, viewer, roomId, 100);
        expect(after.map((m) => m.id)).toEqual(expectedOrder);
        expect(after.find((m) => m.clientMsgId === 'alice-7')).toEqual(fromAlice[7]);
      }
      const smallPages = await fullHistory(api.url, bob, roomId, 7);
      expect(smallPages.map((m) => m.id)).toEqual(expectedOrder);
    });
    await steps.run('metrics and stop', async () => {
      // The worker exports what it did, and every app stops cleanly on SIGTERM.
      // Every app's counters moved with the traffic.
      const total = 2 * PER_USER;
      const workerMetrics = await scrape(worker!.url);
      expect(metric(workerMetrics, 'chat_worker_persisted_total')).toBe(total);
      expect(metric(workerMetrics, 'chat_worker_batch_size_count')).toBeGreaterThan(0);
      const socketMetrics = await scrape(socket.url);
      expect(metric(socketMetrics, 'chat_messages_received_total')).toBe(total);
      expect(metric(socketMetrics, 'chat_messages_stored_total')).toBe(total);
      expect(metric(socketMetrics, 'chat_messages_delivered_total')).toBe(total);
      expect(metric(socketMetrics, 'chat_send_ack_seconds_count')).toBe(total);
      expect(metric(socketMetrics, 'chat_socket_connections')).toBe(2);
      expect(metric(socketMetrics, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
      const apiMetrics = await scrape(api.url);
      const history = { method: 'GET', route: '/rooms/:roomId/messages' };
      expect(metric(apiMetrics, 'http_requests_total', { ...history, status: '200' })).toBeGreaterThanOrEqual(
        3,
      );
      expect(metric(apiMetrics, 'http_request_duration_seconds_count', history)).toBe(
        metric(apiMetrics, 'http_requests_total', { ...history, status: '200' }),
      );
      expect(metric(apiMetrics, 'http_requests_total', { route: '/auth/register', status: '201' })).toBe(2);
      const codes = await Promise.all([api, socket, file, worker!].map((p) => p.stop()));
      expect(codes).toEqual([0, 0, 0, 0]);
    });
  },
  steps.totalMs,
);
