import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { ErrorCode } from '@chat/contracts';
import { waitUntil } from '../../../scripts/harness.mjs';
import { baseUrl } from '../../../test/support/apps.js';
import { createRoom, createUser, fullHistory, type TestUser } from '../../../test/support/http.js';
import { inProcessChat, sendN, startSocketWith } from '../../../test/support/in-process.js';
import { connect } from '../../../test/support/socket.js';

/** Rate limits, the replay bound, and the access token’s lifetime on a connection. The api and socket apps run in-process. */
const chat = inProcessChat();
const { open } = chat;

describe('limits and token lifetime', () => {
  let limited: INestApplication;
  beforeAll(async () => {
    limited = await startSocketWith({
      RATE_LIMIT_PER_SEC: '5',
      RATE_LIMIT_BURST: '3',
      RECOVERY_MAX_MESSAGES: '5',
      TOKEN_EXPIRY_WARNING_SEC: '2',
    });
  });
  afterAll(() => limited.close());

  it('answers RATE_LIMITED above the burst, keeps the connection, and lets the user go on later', async () => {
    const alice = await createUser(chat.api);
    const roomId = await createRoom(chat.api, alice);
    const socket = await open(alice, baseUrl(limited));
    const acks = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        socket.emitWithAck('chat:send', { roomId, clientMsgId: `burst-${i}`, content: `b${i}` }),
      ),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(3);
    expect(acks.filter((a) => !a.ok).map((a) => (a as { error: { code: string } }).error.code)).toEqual(
      Array(3).fill(ErrorCode.RATE_LIMITED),
    );
    expect(socket.connected).toBe(true);
    await new Promise((r) => setTimeout(r, 250)); // the time one token takes to come back at 5/s
    const later = await socket.emitWithAck('chat:send', { roomId, clientMsgId: 'burst-3', content: 'b3' });
    expect(later.ok).toBe(true);
    const stored = (await fullHistory(chat.api, alice, roomId)).map((m) => m.content);
    expect(stored.slice(0, 3).sort()).toEqual(['b0', 'b1', 'b2']); // the burst, in arrival order
    expect(stored[3]).toBe('b3');
  });

  it('does not replay more than RECOVERY_MAX_MESSAGES: recovered is false and live goes on', async () => {
    const alice = await createUser(chat.api);
    const roomId = await createRoom(chat.api, alice);
    const sender = await open(alice);
    const [first] = await sendN(sender, roomId, 8, 'x');
    const socket = await open(alice, baseUrl(limited));
    const ack = await socket.emitWithAck('room:join', { roomId, lastMessageId: first.id });
    expect(ack).toMatchObject({ ok: true, recovered: false });
  });

  it('warns before the token expires, accepts a refresh, and disconnects with UNAUTHORIZED without one', async () => {
    const alice = await createUser(chat.api);
    const bob = await createUser(chat.api);
    const jwt = new JwtService({ secret: process.env.JWT_SECRET!, signOptions: { algorithm: 'HS256' } });
    const token = (user: TestUser, seconds: number) =>
      jwt.sign({ sub: user.id, name: user.username, typ: 'access' }, { expiresIn: seconds });
    const first = token(alice, 3);
    const firstExpiresAt = (jwt.decode(first) as { exp: number }).exp * 1000;
    const socket = await connect(baseUrl(limited), first);
    chat.track(socket);
    const events: string[] = [];
    socket.on('auth:expiring', () => events.push('expiring'));
    socket.on('auth:expired', (error) => events.push(`expired:${error.code}`));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    await waitUntil(() => events.length > 0, { what: 'the expiry warning', timeoutMs: 3000 });
    expect(events).toEqual(['expiring']); // 2 s ahead of a 3 s token
    expect(await socket.emitWithAck('auth:refresh', { token: token(bob, 60) })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UNAUTHORIZED },
    });
    const refreshed = await socket.emitWithAck('auth:refresh', { token: token(alice, 4) });
    expect(refreshed).toEqual({ ok: true, expiresAt: expect.any(String) });
    // Time must pass the first token's expiry (a TTL, not a condition): the connection outlives it.
    await new Promise((r) => setTimeout(r, firstExpiresAt + 500 - Date.now()));
    expect(socket.connected).toBe(true);
    expect(await disconnected).toBe('io server disconnect');
    expect(events).toEqual(['expiring', 'expiring', `expired:${ErrorCode.UNAUTHORIZED}`]);
  });
});
