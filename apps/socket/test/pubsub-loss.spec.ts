import { Redis } from 'ioredis';
import { freePort } from '../../../scripts/harness.mjs';
import { baseUrl } from '../../../test/support/apps.js';
import { createRoomWith, createUser } from '../../../test/support/http.js';
import { inProcessChat, sendN, startSocketWith } from '../../../test/support/in-process.js';
import { PrivateRedis } from '../../../test/support/redis-server.js';
import { collect } from '../../../test/support/socket.js';

/** Live delivery when the instance loses its pub/sub connection. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('live delivery across a lost pub/sub connection', () => {
  it('catches up from the stream: the room gets every message once, in order', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const isolated = await startSocketWith({ REDIS_URL: redis.url });
    const admin = new Redis(redis.url);
    try {
      const alice = await createUser(chat.api);
      const bob = await createUser(chat.api);
      const roomId = await createRoomWith(chat.api, alice, [bob]);
      const [aliceSocket, bobSocket] = [
        await open(alice, baseUrl(isolated)),
        await open(bob, baseUrl(isolated)),
      ];
      const toBob = collect(bobSocket);
      await bobSocket.emitWithAck('room:join', { roomId });
      const sent = await sendN(aliceSocket, roomId, 5, 'before');
      // Cut the instance's subscription, then keep sending while it reconnects.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      sent.push(...(await sendN(aliceSocket, roomId, 20, 'during')));
      await toBob.waitFor(25, 10_000);
      // One more behind them: once it is in, a late duplicate of the others would be too.
      sent.push(...(await sendN(aliceSocket, roomId, 1, 'after')));
      await toBob.waitFor(26, 10_000);
      expect(toBob.received.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    } finally {
      await admin.quit();
      await isolated.close();
      await redis.stop();
    }
  });
});
