import { ErrorCode } from '@chat/contracts';
import { partitionOf } from '@chat/redis';
import {
  createRoom,
  createRoomWith,
  createUser,
  fullHistory,
  type TestUser,
} from '../../../test/support/http.js';
import { inProcessChat } from '../../../test/support/in-process.js';
import { collect } from '../../../test/support/socket.js';

/** chat:send: the ack, the broadcast, idempotency, membership and validation. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('chat:send', () => {
  it('acks the full message, broadcasts it once to every socket in the room, and is idempotent', async () => {
    const alice = await createUser(chat.api);
    const bob = await createUser(chat.api);
    const roomId = await createRoomWith(chat.api, alice, [bob]);
    const aliceSocket = await open(alice);
    const bobSocket = await open(bob);
    const toAlice = collect(aliceSocket);
    const toBob = collect(bobSocket);
    await aliceSocket.emitWithAck('room:join', { roomId });
    await bobSocket.emitWithAck('room:join', { roomId });

    const ack = await aliceSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'c-1',
      content: 'hello bob',
    });
    expect(ack).toEqual({
      ok: true,
      message: {
        id: expect.stringMatching(/^\d+-\d+$/),
        roomId,
        seq: 1,
        senderId: alice.id,
        senderName: alice.username,
        content: 'hello bob',
        clientMsgId: 'c-1',
        createdAt: expect.any(String),
      },
    });
    await toBob.waitFor(1);
    expect(toBob.received).toEqual([(ack as { message: unknown }).message]);

    const again = await aliceSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'c-1',
      content: 'changed',
    });
    expect(again).toEqual(ack);
    // A later message proves the repeat was not broadcast: bob sees exactly two.
    await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'c-2', content: 'second' });
    await toBob.waitFor(2);
    expect(toBob.received.map((m) => m.content)).toEqual(['hello bob', 'second']);
    // The sender's socket joined the room too: it gets the same stream (in order) besides its acks.
    await toAlice.waitFor(2);
    expect(toAlice.received).toEqual(toBob.received);
    expect((await fullHistory(chat.api, alice, roomId)).map((m) => m.content)).toEqual([
      'hello bob',
      'second',
    ]);
  });

  it('stores one clientMsgId sent to two rooms of the same partition in both', async () => {
    const alice = await createUser(chat.api);
    // Rooms share 64 partitions: a handful of rooms holds two of one partition.
    const byPartition = new Map<number, string>();
    let pair: [string, string] | undefined;
    while (!pair) {
      const roomId = await createRoom(chat.api, alice);
      const other = byPartition.get(partitionOf(roomId));
      if (other) pair = [other, roomId];
      else byPartition.set(partitionOf(roomId), roomId);
    }
    const socket = await open(alice);
    const acks = [];
    for (const roomId of pair)
      acks.push(await socket.emitWithAck('chat:send', { roomId, clientMsgId: 'same', content: roomId }));
    for (const [i, roomId] of pair.entries()) {
      expect(acks[i]).toMatchObject({ ok: true, message: { roomId, content: roomId } });
      expect((await fullHistory(chat.api, alice, roomId)).map((m) => m.content)).toEqual([roomId]);
    }
  });

  it('checks membership without a prior room:join, and stops delivering after room:leave', async () => {
    const alice = await createUser(chat.api);
    const bob = await createUser(chat.api);
    const stranger = await createUser(chat.api);
    const roomId = await createRoomWith(chat.api, alice, [bob]);
    const aliceSocket = await open(alice);
    const bobSocket = await open(bob);
    const strangerSocket = await open(stranger);
    const toBob = collect(bobSocket);
    await bobSocket.emitWithAck('room:join', { roomId });

    expect(
      (await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'a', content: 'one' })).ok,
    ).toBe(true);
    await toBob.waitFor(1);
    const forbidden = await strangerSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'x',
      content: 'hi',
    });
    expect(forbidden).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    const missing = await aliceSocket.emitWithAck('chat:send', {
      roomId: 'ffffffffffffffffffffffff',
      clientMsgId: 'y',
      content: 'hi',
    });
    expect(missing).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });

    await bobSocket.emitWithAck('room:leave', { roomId });
    await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'b', content: 'two' });
    await bobSocket.emitWithAck('room:join', { roomId });
    await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'c', content: 'three' });
    await toBob.waitFor(2);
    expect(toBob.received.map((m) => m.content)).toEqual(['one', 'three']);
  });

  it('names the field on VALIDATION and refuses files it cannot upload, storing nothing', async () => {
    const alice = await createUser(chat.api);
    const roomId = await createRoom(chat.api, alice);
    const socket = await open(alice);
    const cases: Array<[unknown, string]> = [
      [{ roomId, content: 'x' }, 'clientMsgId'],
      [{ roomId, clientMsgId: 'k', content: 'x'.repeat(4001) }, 'content'],
      [{ roomId, clientMsgId: 'k', content: '' }, 'content'],
      [{ clientMsgId: 'k', content: 'x' }, 'roomId'],
      [{ roomId, clientMsgId: 'k', file: { name: 'a.txt', data: 'text' } }, 'file.data'],
    ];
    for (const [payload, field] of cases) {
      const ack = await socket.emitWithAck('chat:send', payload as never);
      expect(ack).toEqual({
        ok: false,
        error: { code: ErrorCode.VALIDATION, message: expect.stringContaining(field) },
      });
    }
    // No payload at all: the ack is the only argument, and still gets an answer.
    const bare = socket.emitWithAck as unknown as (event: string) => Promise<unknown>;
    expect(await bare.call(socket, 'chat:send')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.VALIDATION },
    });
    // A file over MAX_FILE_BYTES is refused when its upload begins (larger than one message, it
    // would go in chunks).
    const tooBig = await socket.emitWithAck('file:begin', {
      roomId,
      name: 'a.bin',
      size: 10 * 1024 * 1024 + 1,
    });
    expect(tooBig).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_TOO_LARGE } });
    const file = await socket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'f',
      file: { name: 'a.txt', data: Buffer.from('hi') },
    });
    expect(file).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_UPLOAD_FAILED } });
    expect(await fullHistory(chat.api, alice, roomId)).toEqual([]);
  });
});
