import { jest } from '@jest/globals';
import type { AdminStats } from '@chat/contracts';
import { waitUntil } from '../../scripts/harness.mjs';
import { createRoom, createUser, http, uniqueName, type TestUser } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { startAppProcesses, type AppProcess } from '../support/processes.js';
import { connect, type ClientSocket } from '../support/socket.js';

jest.setTimeout(90_000);

/**
 * The admins' live stats: two socket instances and a worker report into Redis; the api's
 * snapshot and the socket subscription show the whole deployment, to admins only.
 */
const ADMIN = `admin_${uniqueName()}`.slice(0, 32);
let apps: AppProcess[] = [];
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  const env = { REDIS_URL: redisDb(REDIS_DB.adminStats), ADMIN_USERNAMES: `someone_else,${ADMIN}` };
  apps = await startAppProcesses(['api', 'socket', 'socket', 'worker'], env);
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(apps.map((app) => app.stop()));
});

async function open(user: TestUser, url: string): Promise<ClientSocket> {
  const socket = await connect(url, user.accessToken);
  sockets.push(socket);
  return socket;
}

it('streams the deployment’s figures every second to admins, and to nobody else', async () => {
  const [api, socketA, socketB] = apps as [AppProcess, AppProcess, AppProcess, AppProcess];
  const admin = await createUser(api.url, ADMIN);
  const alice = await createUser(api.url);

  // Not an admin: 403 over REST, FORBIDDEN over the socket; no token: 401.
  const asAlice = await http(api.url, 'GET', '/admin/stats', { token: alice.accessToken });
  expect(asAlice).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden' } });
  expect((await http(api.url, 'GET', '/admin/stats')).status).toBe(401);
  const aliceSocket = await open(alice, socketB.url);
  expect(await aliceSocket.emitWithAck('admin:stats:subscribe', {})).toMatchObject({
    ok: false,
    error: { code: 'FORBIDDEN' },
  });

  const adminSocket = await open(admin, socketA.url);
  const pushed: AdminStats[] = [];
  adminSocket.on('admin:stats', (stats: AdminStats) => pushed.push(stats));
  const subscribed = await adminSocket.emitWithAck('admin:stats:subscribe', {});
  expect(subscribed).toMatchObject({ ok: true, stats: { totals: expect.any(Object) } });
  const storedBefore = (subscribed as { stats: AdminStats }).stats.totals.storedTotal;

  // Traffic on the other instance shows up in the admin's stream.
  const roomId = await createRoom(api.url, alice);
  expect(await aliceSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  for (let i = 0; i < 20; i++) {
    const ack = await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: `m${i}`, content: `${i}` });
    expect(ack.ok).toBe(true);
  }
  expect((await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: '' })).ok).toBe(false);

  const settled = () =>
    pushed.find(
      (s) => s.totals.storedTotal === storedBefore + 20 && s.totals.errorsTotal >= 1 && s.backlog !== null,
    );
  // Also wait for a few pushes, to see their cadence.
  const stats = await waitUntil(() => pushed.length >= 4 && settled(), {
    what: 'four pushes, one with the sends counted',
    timeoutMs: 15_000,
    intervalMs: 200,
  });
  expect(stats!.totals).toMatchObject({ instances: 2, connections: 2 });
  expect(stats!.instances.map((i) => i.users).sort()).toEqual([1, 1]);
  expect(stats!.backlog).toMatchObject({ messages: expect.any(Number), oldestAgeSec: expect.any(Number) });
  // Rates: some second saw the sends, and someone received them (alice's own delivery).
  expect(Math.max(...pushed.map((s) => s.totals.storedPerSec))).toBeGreaterThan(0);
  expect(Math.max(...pushed.map((s) => s.totals.deliveriesPerSec))).toBeGreaterThan(0);
  expect(pushed.some((s) => s.totals.ackP99Ms !== null && s.totals.ackP99Ms > 0)).toBe(true);
  // About one a second.
  const first = Date.parse(pushed[0]!.at);
  const last = Date.parse(pushed.at(-1)!.at);
  expect((last - first) / (pushed.length - 1)).toBeGreaterThan(500);
  expect((last - first) / (pushed.length - 1)).toBeLessThan(2000);

  // The REST snapshot says the same.
  const rest = await http(api.url, 'GET', '/admin/stats', { token: admin.accessToken });
  expect(rest.status).toBe(200);
  expect(rest.body.totals).toMatchObject({ instances: 2, connections: 2, storedTotal: storedBefore + 20 });

  // Unsubscribed: the pushes stop. A push sent before the unsubscription arrives before its ack
  // (one connection keeps its order); a second admin on the same instance, still subscribed,
  // shows two more pushes going out, and none of them reaches the first.
  const witness = await open(admin, socketA.url);
  let witnessed = 0;
  witness.on('admin:stats', () => witnessed++);
  expect(await witness.emitWithAck('admin:stats:subscribe', {})).toMatchObject({ ok: true });
  expect(await adminSocket.emitWithAck('admin:stats:unsubscribe', {})).toEqual({ ok: true });
  const count = pushed.length;
  const since = witnessed;
  await waitUntil(() => witnessed >= since + 2, { what: 'two more pushes to the other admin' });
  expect(pushed.length).toBe(count);
});
