import { Redis } from 'ioredis';
import { ErrorCode } from '@chat/contracts';
import { freePort, waitUntil } from '../../../scripts/harness.mjs';
import { startSocket } from '../src/start-socket.js';
import { baseUrl } from '../../../test/support/apps.js';
import { createRoom, createUser, http, uniqueName } from '../../../test/support/http.js';
import { inProcessChat } from '../../../test/support/in-process.js';
import { PrivateRedis } from '../../../test/support/redis-server.js';

/** The socket app while its Redis is down and after it returns. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('Redis outage', () => {
  it('answers STORE_FAILED (never ok) while Redis is down, and recovers by itself', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const previous = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    const isolated = await startSocket();
    process.env.REDIS_URL = previous;
    try {
      const alice = await createUser(chat.api);
      const roomId = await createRoom(chat.api, alice);
      const socket = await open(alice, baseUrl(isolated));
      expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
      expect(
        (await socket.emitWithAck('chat:send', { roomId, clientMsgId: uniqueName(), content: 'before' })).ok,
      ).toBe(true);

      await redis.stop();
      const during = await socket.emitWithAck('chat:send', {
        roomId,
        clientMsgId: 'during',
        content: 'lost?',
      });
      expect(during).toEqual({
        ok: false,
        error: { code: ErrorCode.STORE_FAILED, message: expect.any(String) },
      });
      expect(await http(baseUrl(isolated), 'GET', '/health/details')).toMatchObject({
        status: 503,
        body: { status: 'error', error: { redis: { status: 'down', message: expect.any(String) } } },
      });

      await redis.start();
      let after: { ok: boolean } = { ok: false };
      await waitUntil(
        async () =>
          (after = await socket.emitWithAck('chat:send', {
            roomId,
            clientMsgId: 'during',
            content: 'retried',
          })).ok,
        { what: 'a send to succeed after the restart', timeoutMs: 5000 },
      ).catch(() => {}); // the expectation below shows the last answer
      expect(after).toMatchObject({ ok: true, message: { content: 'retried' } });
      expect((await http(baseUrl(isolated), 'GET', '/health')).status).toBe(200);
    } finally {
      await isolated.close();
      await redis.stop();
    }
  });
});
