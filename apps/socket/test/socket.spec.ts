import type { INestApplication } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { startApi } from '../../api/src/start-api.js';
import { startSocket } from '../src/start-socket.js';
import { baseUrl } from '../../../test/support/apps.js';
import {
  createRoom,
  createUser,
  fullHistory,
  http,
  uniqueName,
  type TestUser,
} from '../../../test/support/http.js';
import { PrivateRedis, freePort } from '../../../test/support/redis-server.js';
import { collect, connect, type ClientSocket } from '../../../test/support/socket.js';

let apiApp: INestApplication;
let socketApp: INestApplication;
let api: string;
let url: string;
const sockets: ClientSocket[] = [];

async function open(user: TestUser | undefined, target = url): Promise<ClientSocket> {
  const socket = await connect(target, user?.accessToken);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  apiApp = await startApi();
  socketApp = await startSocket();
  api = baseUrl(apiApp);
  url = baseUrl(socketApp);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await socketApp.close();
  await apiApp.close();
});

describe('handshake', () => {
  it('refuses a missing, invalid or expired token with UNAUTHORIZED', async () => {
    await expect(open(undefined)).rejects.toThrow(ErrorCode.UNAUTHORIZED);
    await expect(connect(url, 'garbage')).rejects.toThrow(ErrorCode.UNAUTHORIZED);
    const [header, , signature] = (await createUser(api)).accessToken.split('.');
    const expiredPayload = Buffer.from(
      JSON.stringify({ sub: 'x', name: 'x', typ: 'access', exp: 1 }),
    ).toString('base64url');
    await expect(connect(url, `${header}.${expiredPayload}.${signature}`)).rejects.toThrow(
      ErrorCode.UNAUTHORIZED,
    );
  });
});

describe('rooms over the socket', () => {
  it('joins a member, and names NOT_FOUND, FORBIDDEN and VALIDATION', async () => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const roomId = await createRoom(api, owner);
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
    const owner = await createUser(api);
    const joiner = await createUser(api);
    const roomId = await createRoom(api, owner);
    const socket = await open(joiner);
    expect((await socket.emitWithAck('room:join', { roomId })).ok).toBe(false);
    expect((await http(api, 'POST', `/rooms/${roomId}/members`, { token: joiner.accessToken })).status).toBe(
      204,
    );
    expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  });
});

describe('chat:send', () => {
  it('acks the full message, broadcasts it once to the others, and is idempotent', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const roomId = await createRoom(api, alice);
    await http(api, 'POST', `/rooms/${roomId}/members`, { token: bob.accessToken });
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
    expect(toAlice.received).toEqual([]);
    expect((await fullHistory(api, alice, roomId)).map((m) => m.content)).toEqual(['hello bob', 'second']);
  });

  it('checks membership without a prior room:join, and stops delivering after room:leave', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const stranger = await createUser(api);
    const roomId = await createRoom(api, alice);
    await http(api, 'POST', `/rooms/${roomId}/members`, { token: bob.accessToken });
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
    const alice = await createUser(api);
    const roomId = await createRoom(api, alice);
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
    const tooBig = await socket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'big',
      file: { name: 'a.bin', data: Buffer.alloc(10 * 1024 * 1024 + 1) },
    });
    expect(tooBig).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_TOO_LARGE } });
    const file = await socket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'f',
      file: { name: 'a.txt', data: Buffer.from('hi') },
    });
    expect(file).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_UPLOAD_FAILED } });
    expect(await fullHistory(api, alice, roomId)).toEqual([]);
  });
});

describe('Redis outage', () => {
  it('answers STORE_FAILED (never ok) while Redis is down, and recovers by itself', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const previous = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    const isolated = await startSocket();
    process.env.REDIS_URL = previous;
    try {
      const alice = await createUser(api);
      const roomId = await createRoom(api, alice);
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
      expect((await http(baseUrl(isolated), 'GET', '/health')).status).toBe(503);

      await redis.start();
      let after: { ok: boolean } = { ok: false };
      for (let i = 0; i < 50 && !after.ok; i++) {
        after = await socket.emitWithAck('chat:send', { roomId, clientMsgId: 'during', content: 'retried' });
        if (!after.ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(after).toMatchObject({ ok: true, message: { content: 'retried' } });
      expect((await http(baseUrl(isolated), 'GET', '/health')).status).toBe(200);
    } finally {
      await isolated.close();
      await redis.stop();
    }
  });
});
