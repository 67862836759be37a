import { ErrorCode } from '@chat/contracts';
import { createRoom, createUser, fullHistory, http } from '../support/http.js';
import { phases } from '../support/phases.js';
import { startAppProcesses, type AppProcess } from '../support/processes.js';
import { freePort } from '../../scripts/harness.mjs';
import { PrivateRedis } from '../support/redis-server.js';
import { connect, type ClientSocket } from '../support/socket.js';

/**
 * Redis stops answering (SIGSTOP) with a send in flight: the socket app cannot know whether the
 * script ran, so it answers STORE_UNKNOWN, not STORE_FAILED's "nothing was saved"; once Redis
 * answers again the script has in fact run, and the retry with the same clientMsgId gets the
 * original back, stored once. Meanwhile REST answers 503 UNAVAILABLE (not 500), stalled or down.
 */
const boot = phases({ redis: 15_000, apps: 30_000 });
const steps = phases({ room: 30_000, stalled: 30_000, resumed: 30_000, down: 30_000 });

let redis: PrivateRedis;
let api: AppProcess, socket: AppProcess;
let client: ClientSocket | undefined;

beforeAll(async () => {
  redis = new PrivateRedis(await freePort(), true);
  await boot.run('redis', () => redis.start(boot.budgetMs.redis));
  [api, socket] = await boot.run('apps', () =>
    startAppProcesses(['api', 'socket'], { REDIS_URL: redis.url }),
  );
}, boot.totalMs);

afterAll(async () => {
  client?.close();
  redis.resume();
  await Promise.all([api, socket].map((p) => p?.stop()));
  await redis.stop();
});

it(
  'answers STORE_UNKNOWN when Redis stalls mid-send, and the retry finds the message stored once',
  async () => {
    const { alice, roomId } = await steps.run('room', async () => {
      const alice = await createUser(api.url);
      const roomId = await createRoom(api.url, alice);
      client = await connect(socket.url, alice.accessToken);
      expect(await client.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
      return { alice, roomId };
    });
    const send = () =>
      client!.emitWithAck('chat:send', { roomId, clientMsgId: 'during-stall', content: 'stalled' });

    await steps.run('stalled', async () => {
      redis.pause();
      expect(await send()).toEqual({
        ok: false,
        error: { code: ErrorCode.STORE_UNKNOWN, message: expect.stringContaining('same clientMsgId') },
      });
      const history = await fetch(`${api.url}/rooms/${roomId}/messages`, {
        headers: { authorization: `Bearer ${alice.accessToken}` },
      });
      expect(history.status).toBe(503);
      expect(history.headers.get('retry-after')).toBe('1');
      expect(await history.json()).toMatchObject({ code: ErrorCode.UNAVAILABLE });
    });

    await steps.run('resumed', async () => {
      redis.resume();
      // The stalled script ran when Redis woke: the retry is answered with that message.
      const retry = await send();
      expect(retry).toMatchObject({ ok: true, message: { content: 'stalled', clientMsgId: 'during-stall' } });
      expect((await fullHistory(api.url, alice, roomId)).map((m) => m.content)).toEqual(['stalled']);
    });

    await steps.run('down', async () => {
      await redis.stop();
      const history = await http(api.url, 'GET', `/rooms/${roomId}/messages`, { token: alice.accessToken });
      expect(history).toMatchObject({ status: 503, body: { code: ErrorCode.UNAVAILABLE } });
      expect(await send()).toMatchObject({ ok: false, error: { code: ErrorCode.STORE_FAILED } });
    });
  },
  steps.totalMs,
);
