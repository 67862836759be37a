import { ErrorCode } from '@chat/contracts';
import { createRoom, createUser, http } from '../../../test/support/http.js';
import { inProcessChat } from '../../../test/support/in-process.js';

/** Joining rooms over the socket, and the membership cache. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('rooms over the socket', () => {
  it('joins a member, and names NOT_FOUND, FORBIDDEN and VALIDATION', async () => {
    const owner = await createUser(chat.api);
    const stranger = await createUser(chat.api);
    const roomId = await createRoom(chat.api, owner);
    const ownerSocket = await open(owner);
    const strangerSocket = await open(stranger);

    expect(await ownerSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    expect(await ownerSocket.emitWithAck('room:leave', { roomId })).toEqual({ ok: true });
    const forbidden = await strangerSocket.emitWithAck('room:join', { roomId });
    expect(forbidden).toEqual({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN, message: expect.any(String) },
    });
    const missing = await ownerSocket.emitWithAck('room:join', { roomId: '0123456789abcdef01234567' });
    expect(missing).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });
    const invalid = await ownerSocket.emitWithAck('room:join', {} as never);
    expect(invalid).toMatchObject({
      ok: false,
      error: { code: ErrorCode.VALIDATION, message: expect.stringContaining('roomId') },
    });
  });

  it('lets a user who joined over REST in through the membership cache', async () => {
    const owner = await createUser(chat.api);
    const joiner = await createUser(chat.api);
    const roomId = await createRoom(chat.api, owner);
    const socket = await open(joiner);
    expect((await socket.emitWithAck('room:join', { roomId })).ok).toBe(false);
    expect(
      (await http(chat.api, 'POST', `/rooms/${roomId}/members`, { token: joiner.accessToken })).status,
    ).toBe(204);
    expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  });
});
