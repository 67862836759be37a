import { ErrorCode, decodeEntry } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { DrainQueue } from '@chat/message-log';
import { createRoomWith, createUser } from '../../../test/support/http.js';
import { inProcessChat, sendN } from '../../../test/support/in-process.js';
import { collect } from '../../../test/support/socket.js';

/** Recovery: room:join with lastMessageId replays what the client missed. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('recovery (room:join with lastMessageId)', () => {
  it('replays exactly what followed, from MongoDB and the stream, before the ack, then goes live', async () => {
    const alice = await createUser(chat.api);
    const bob = await createUser(chat.api);
    const roomId = await createRoomWith(chat.api, alice, [bob]);
    const aliceSocket = await open(alice);
    const sent = await sendN(aliceSocket, roomId, 30, 'm');

    // What the worker does: the 20 oldest go to MongoDB and leave the stream.
    const stream = chat.socketApp.get(DrainQueue);
    const oldest = (await stream.readOldest([roomId], 20)).get(roomId)!;
    await chat.socketApp
      .get(MessagesRepository)
      .insertMany(oldest.map(([id, fields]) => decodeEntry(id, fields)));
    await stream.delete(new Map([[roomId, oldest.map(([id]) => id)]]));

    const bobSocket = await open(bob);
    const toBob = collect(bobSocket);
    const ack = await bobSocket.emitWithAck('room:join', { roomId, lastMessageId: sent[4].id });
    expect(ack).toEqual({ ok: true, replayed: 25, recovered: true });
    // Delivered before the ack, in order: 5..29 (15 from MongoDB, 10 from the stream).
    expect(toBob.received.map((m) => m.content)).toEqual(sent.slice(5).map((m) => m.content));

    const [live] = await sendN(aliceSocket, roomId, 1, 'live');
    await toBob.waitFor(26);
    expect(toBob.received.at(-1)).toEqual(live);
    expect(toBob.received).toHaveLength(26);

    // Nothing after the newest: an empty replay.
    const again = await bobSocket.emitWithAck('room:join', { roomId, lastMessageId: live.id });
    expect(again).toEqual({ ok: true, replayed: 0, recovered: true });
    expect(await bobSocket.emitWithAck('room:join', { roomId, lastMessageId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.VALIDATION },
    });
  });
});
