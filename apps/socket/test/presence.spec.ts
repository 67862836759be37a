import { ErrorCode, type PresenceUpdate } from '@chat/contracts';
import { waitUntil } from '../../../scripts/harness.mjs';
import { createRoomWith, createUser, http } from '../../../test/support/http.js';
import { inProcessChat } from '../../../test/support/in-process.js';

/** Presence: who is online in a room, and its updates. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('presence', () => {
  it('lists who is online, and tells the room when a user comes and goes', async () => {
    const alice = await createUser(chat.api);
    const bob = await createUser(chat.api);
    const roomId = await createRoomWith(chat.api, alice, [bob]);
    const aliceSocket = await open(alice);
    const updates: PresenceUpdate[] = [];
    aliceSocket.on('presence:update', (update) => updates.push(update));
    await aliceSocket.emitWithAck('room:join', { roomId });

    const bobSocket = await open(bob);
    const bobSecond = await open(bob);
    await bobSocket.emitWithAck('room:join', { roomId });
    await bobSecond.emitWithAck('room:join', { roomId });
    const online = await aliceSocket.emitWithAck('presence:get', { roomId });
    expect(online).toEqual({
      ok: true,
      users: [alice, bob]
        .map((u) => ({ id: u.id, username: u.username }))
        .sort((a, b) => a.username.localeCompare(b.username)),
    });
    const viaApi = await http(chat.api, 'GET', `/rooms/${roomId}/presence`, { token: alice.accessToken });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body).toEqual({ roomId, users: (online as { users: unknown[] }).users });

    // One of bob's two connections leaving changes nothing; the last one makes him offline.
    bobSocket.close();
    // A wait for nothing to happen: bob must still be online once the server saw the close.
    await new Promise((r) => setTimeout(r, 200));
    expect((await aliceSocket.emitWithAck('presence:get', { roomId })) as object).toMatchObject({
      users: expect.arrayContaining([{ id: bob.id, username: bob.username }]),
    });
    bobSecond.close();
    await waitUntil(() => updates.length >= 3, {
      what: 'bob going offline',
      timeoutMs: 2500,
      intervalMs: 50,
    }).catch(
      () => {}, // the expectation below shows the updates
    );
    const bobUser = { id: bob.id, username: bob.username };
    expect(updates).toEqual([
      { roomId, user: { id: alice.id, username: alice.username }, online: true },
      { roomId, user: bobUser, online: true },
      { roomId, user: bobUser, online: false },
    ]);
    expect(await aliceSocket.emitWithAck('presence:get', { roomId })).toEqual({
      ok: true,
      users: [{ id: alice.id, username: alice.username }],
    });
    const stranger = await open(await createUser(chat.api));
    expect(await stranger.emitWithAck('presence:get', { roomId })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN },
    });
  });

  it('shows a user its own connections, with the same bearer check as every HTTP route', async () => {
    const alice = await createUser(chat.api);
    const bob = await createUser(chat.api);
    const roomId = await createRoomWith(chat.api, alice, [bob]);
    const socket = await open(alice);
    await socket.emitWithAck('room:join', { roomId });
    await open(bob);
    const path = '/diagnostics/connections';
    const mine = await waitUntil(async () => {
      const res = await http(chat.url, 'GET', path, { token: alice.accessToken });
      return res.status === 200 && res.body.length === 1 && res.body[0].rooms.length === 1 && res;
    });
    expect(mine.body).toEqual([
      expect.objectContaining({
        socketId: socket.id,
        userId: alice.id,
        username: alice.username,
        rooms: [roomId],
      }),
    ]);
    expect(await http(chat.url, 'GET', path)).toMatchObject({
      status: 401,
      body: { code: ErrorCode.UNAUTHORIZED },
    });
    expect(await http(chat.url, 'GET', path, { token: 'not-a-token' })).toMatchObject({
      status: 401,
      body: { code: ErrorCode.UNAUTHORIZED },
    });
  });
});
