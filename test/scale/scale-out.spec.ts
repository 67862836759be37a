import { jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatClient, refreshingToken } from '@chat/client';
import type { Message } from '@chat/contracts';
import { TcpBalancer } from '../support/balancer.js';
import { createRoomWith, createUser, fullHistory, http, type TestUser } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { connect, type ClientSocket } from '../support/socket.js';
import { hasExited, waitUntil } from '../../scripts/harness.mjs';

/**
 * Three socket instances behind a round-robin TCP balancer, clients on the SDK. One instance is
 * SIGKILLed in the middle of the traffic and started again: every client must end with every
 * message of the room exactly once and in order, and presence must forget the dead instance.
 */
const REDIS_URL = redisDb(REDIS_DB.scaleOut);
// Its own MongoDB database too: FerretDB scans a collection for range reads, so the 10,000
// messages written here would slow every other test's history reads.
const mongoUrl = new URL(process.env.MONGO_URL!);
mongoUrl.pathname = '/chat_test_scale';
const ENV = {
  REDIS_URL,
  MONGO_URL: mongoUrl.toString(),
  PRESENCE_HEARTBEAT_MS: '500',
  WORKER_INTERVAL_MS: '50',
};

let api: AppProcess;
let worker: AppProcess;
const sockets: AppProcess[] = [];
const balancer = new TcpBalancer(() =>
  sockets.filter((s) => s.child.exitCode === null && !s.child.killed).map((s) => Number(new URL(s.url).port)),
);
const clients: ChatClient[] = [];
const raw: ClientSocket[] = [];

// Bounds a hang, not speed: three instances and 10,000 messages took 162 s on a busy 2-core machine.
jest.setTimeout(420_000);

beforeAll(async () => {
  let instances: AppProcess[];
  [api, worker, ...instances] = await Promise.all([
    startAppProcess('api', ENV),
    startAppProcess('worker', ENV),
    startAppProcess('socket', ENV),
    startAppProcess('socket', ENV),
    startAppProcess('socket', ENV),
  ]);
  sockets.push(...instances);
  await balancer.start();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of raw.splice(0)) socket.close();
});

afterAll(async () => {
  await balancer.stop();
  await Promise.all([api, worker, ...sockets].filter(Boolean).map((app) => app.stop()));
});

/** An SDK client of `user` through the balancer, collecting what it receives. */
async function sdkClient(user: TestUser & { refreshToken?: string }) {
  const received: Message[] = [];
  const client = new ChatClient({
    url: balancer.url,
    token: user.accessToken,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    ackTimeoutMs: 3000,
  });
  client.on('message', (message) => received.push(message));
  clients.push(client);
  await client.connect();
  return { client, received };
}

type Party = Awaited<ReturnType<typeof sdkClient>>;

/** Each party sends `perClient` messages to the room, 10 ms apart; resolves with all the acks. */
async function sendPaced(parties: Party[], roomId: string, perClient: number): Promise<Message[]> {
  const acks = await Promise.all(
    parties.map(async ({ client }, p) => {
      const pending: Array<Promise<Message>> = [];
      for (let i = 0; i < perClient; i++) {
        pending.push(client.send(roomId, { content: `p${p}-${i}` }));
        await new Promise((r) => setTimeout(r, 10)); // pacing: the load's shape, not a wait
      }
      return Promise.all(pending);
    }),
  );
  return acks.flat();
}

/** Every party ends with exactly `ids`, in that order: none missing, none doubled. */
async function expectEveryoneReceived(parties: Party[], ids: string[], timeoutMs: number) {
  await waitUntil(() => parties.every(({ received }) => received.length >= ids.length), {
    what: 'deliveries',
    timeoutMs,
    intervalMs: 50,
  });
  // Room for a late duplicate to show up before the comparison: a wait for nothing to happen.
  await new Promise((r) => setTimeout(r, 300));
  for (const { received } of parties) expect(received.map((m) => m.id)).toEqual(ids);
}

/** Resolves once every party has received a sixth of what `sendPaced` sends: mid-load. */
function midway(parties: Party[], perClient: number): Promise<boolean> {
  return waitUntil(() => parties.every(({ received }) => received.length >= perClient), {
    what: 'the load to be under way',
    intervalMs: 20,
  });
}

function roomWith([owner, ...members]: TestUser[]): Promise<string> {
  return createRoomWith(api.url, owner, members);
}

it('delivers across instances: every client gets every message once, in history order', async () => {
  const users = await Promise.all(Array.from({ length: 6 }, () => createUser(api.url)));
  const roomId = await roomWith(users);
  const parties = await Promise.all(users.map((user) => sdkClient(user)));
  await Promise.all(parties.map(({ client }) => client.join(roomId)));

  await Promise.all(
    parties.map(({ client }, p) =>
      Promise.all(Array.from({ length: 40 }, (_, i) => client.send(roomId, { content: `p${p}-${i}` }))),
    ),
  );
  const history = (await fullHistory(api.url, users[0], roomId)).map((m) => m.id);
  expect(history).toHaveLength(240);
  await expectEveryoneReceived(parties, history, 20_000);
});

it('survives an instance killed mid-stream and restarted: exact, ordered, and presence forgets it', async () => {
  const users = await Promise.all(Array.from({ length: 6 }, () => createUser(api.url)));
  const ghost = await createUser(api.url);
  const roomId = await roomWith([...users, ghost]);
  const parties = await Promise.all(users.map((user) => sdkClient(user)));
  await Promise.all(parties.map(({ client }) => client.join(roomId)));
  // A plain socket.io client without reconnection, on the instance that will die.
  const victim = sockets[2];
  const ghostSocket = await connect(victim.url, ghost.accessToken);
  raw.push(ghostSocket);
  await ghostSocket.emitWithAck('room:join', { roomId });
  const presence = async () =>
    (
      (await http(api.url, 'GET', `/rooms/${roomId}/presence`, { token: users[0].accessToken })).body as {
        users: Array<{ id: string }>;
      }
    ).users.map((u) => u.id);
  expect((await presence()).sort()).toEqual([...users, ghost].map((u) => u.id).sort());

  const PER_CLIENT = 120;
  const sending = sendPaced(parties, roomId, PER_CLIENT);
  await midway(parties, PER_CLIENT);
  victim.child.kill('SIGKILL');
  await waitUntil(() => hasExited(victim.child), { what: 'the killed instance to be gone' });
  sockets[2] = await startAppProcess('socket', ENV);
  const acked = await sending;
  expect(acked).toHaveLength(6 * PER_CLIENT);

  const history = await fullHistory(api.url, users[0], roomId);
  // Resent sends kept their clientMsgId: stored once each.
  expect(new Set(history.map((m) => m.clientMsgId)).size).toBe(history.length);
  expect(history).toHaveLength(6 * PER_CLIENT);
  const ids = history.map((m) => m.id);
  await expectEveryoneReceived(parties, ids, 30_000);

  // The ghost's entries expire with the dead instance; the SDK users are online elsewhere.
  await waitUntil(async () => !(await presence()).includes(ghost.id), {
    what: 'presence to drop the ghost',
    timeoutMs: 5000,
    intervalMs: 50,
  });
  expect((await presence()).sort()).toEqual(users.map((u) => u.id).sort());
});

it('drains an instance on SIGTERM: in-flight sends finish, clients move elsewhere, nothing lost or doubled', async () => {
  const users = await Promise.all(Array.from({ length: 6 }, () => createUser(api.url)));
  const roomId = await roomWith(users);
  const parties = await Promise.all(users.map((user) => sdkClient(user)));
  await Promise.all(parties.map(({ client }) => client.join(roomId)));
  const moved = parties.map(() => false);
  parties.forEach(({ client }, i) =>
    client.on('state', (state) => state === 'reconnecting' && (moved[i] = true)),
  );
  // A plain client straight on the instance to be stopped, to watch its in-flight sends.
  const victimIndex = 1;
  const victim = sockets[victimIndex];
  const direct = await connect(victim.url, users[0].accessToken);
  raw.push(direct);
  let directClosed = '';
  direct.on('disconnect', (reason) => (directClosed = reason));
  expect(await direct.emitWithAck('room:join', { roomId })).toEqual({ ok: true });

  const PER_CLIENT = 100;
  const sending = sendPaced(parties, roomId, PER_CLIENT);
  await midway(parties, PER_CLIENT);
  // A burst whose acks are still pending when SIGTERM lands. The instance may close the
  // connection before it has read the last of them: those are unanswered (the client sees the
  // disconnect), and must not have been stored; the history count below says so.
  const burst = Array.from({ length: 50 }, (_, i) =>
    direct
      .timeout(10_000)
      .emitWithAck('chat:send', { roomId, clientMsgId: `direct-${i}`, content: `direct-${i}` })
      .catch((error: Error) => ({ unanswered: error.message })),
  );
  const exited = victim.stop();
  const burstAcks = await Promise.all(burst);
  expect(await exited).toBe(0);
  expect(directClosed).toBe('transport close');
  // Each it read was answered before the connection closed: stored, or refused as safe to retry.
  type Answer = Exclude<(typeof burstAcks)[number], { unanswered: string }>;
  const answered = burstAcks.filter((ack): ack is Answer => !('unanswered' in ack));
  expect(answered.length).toBeGreaterThan(0);
  for (const ack of burstAcks) {
    if ('unanswered' in ack) expect(ack.unanswered).toBe('socket has been disconnected');
    else if (!ack.ok) expect(ack.error.code).toBe('STORE_FAILED');
  }
  const storedDirect = answered.flatMap((ack) => (ack.ok ? [ack.message.id] : []));

  const acked = await sending;
  expect(acked).toHaveLength(6 * PER_CLIENT);
  sockets[victimIndex] = await startAppProcess('socket', ENV);

  const history = await fullHistory(api.url, users[0], roomId);
  expect(new Set(history.map((m) => m.clientMsgId)).size).toBe(history.length);
  expect(history).toHaveLength(6 * PER_CLIENT + storedDirect.length);
  const ids = history.map((m) => m.id);
  expect(ids).toEqual(expect.arrayContaining([...acked.map((m) => m.id), ...storedDirect]));
  await expectEveryoneReceived(parties, ids, 30_000);
  // The stopped instance had some of the SDK clients (round robin): they moved by themselves.
  expect(moved.filter(Boolean).length).toBeGreaterThan(0);
  expect(parties.every(({ client }) => client.state === 'connected')).toBe(true);
});

it('brings a client that missed 10,000 messages back up to date, and reports how long it took', async () => {
  const [alice, bob] = await Promise.all([createUser(api.url), createUser(api.url)]);
  const roomId = await roomWith([alice, bob]);
  const { client: first, received: before } = await sdkClient(bob);
  await first.join(roomId);
  const sender = await connect(balancer.url, alice.accessToken);
  raw.push(sender);
  const sendOne = async (content: string) => {
    const ack = await sender.emitWithAck('chat:send', { roomId, clientMsgId: content, content });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
  };
  await sendOne('seen');
  await waitUntil(() => before.length === 1, { what: 'the first message', timeoutMs: 5000, intervalMs: 50 });
  const lastSeen = first.lastMessageId(roomId)!;
  first.close();

  const MISSED = 10_000;
  for (let i = 0; i < MISSED; i += 250)
    await Promise.all(Array.from({ length: 250 }, (_, j) => sendOne(`missed-${i + j}`)));

  const started = performance.now();
  const received: Message[] = [];
  const comeback = new ChatClient({
    url: balancer.url,
    token: refreshingToken({
      apiUrl: api.url,
      session: { accessToken: bob.accessToken, refreshToken: bob.refreshToken, expiresIn: 900 },
    }),
  });
  clients.push(comeback);
  comeback.on('message', (message) => received.push(message));
  const joined = new Promise<{ replayed: number; recovered: boolean }>((resolve) =>
    comeback.on('joined', resolve),
  );
  await comeback.connect();
  await comeback.join(roomId, { lastMessageId: lastSeen });
  const info = await joined;
  const caughtUpMs = performance.now() - started;

  expect(info).toMatchObject({ replayed: MISSED, recovered: true });
  expect(received.map((m) => m.content)).toEqual(Array.from({ length: MISSED }, (_, i) => `missed-${i}`));
  const history = await fullHistory(api.url, bob, roomId, 100);
  expect(received.map((m) => m.id)).toEqual(history.slice(1).map((m) => m.id));
  const report = { missed: MISSED, caughtUpMs: Math.round(caughtUpMs), at: new Date().toISOString() };
  writeFileSync(join(process.env.DATA_DIR!, 'recovery-10k.json'), JSON.stringify(report));
  console.log(`reconnect-to-caught-up for ${MISSED} missed messages: ${report.caughtUpMs} ms`);
});
