import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { MessageAppender } from '@chat/message-log';
import { createRoom, createUser, uniqueName } from '../../../test/support/http.js';
import { inProcessChat, socketIoServer } from '../../../test/support/in-process.js';
import { waitUntil } from '../../../scripts/harness.mjs';
import { tcpOf, NO_HEARTBEAT } from '../../../test/support/socket.js';

/**
 * The attacks of a stranger with a WebSocket and no account, and of a member who stops reading:
 * before authenticating a connection may send nothing but the CONNECT packet, at most
 * SOCKET_PREAUTH_MAX_BYTES long also when it inflates, and is closed if it does not
 * authenticate in time; an authenticated connection may send a whole file; one that stops
 * reading is dropped once the server holds SOCKET_MAX_OUTBOUND_BYTES for it.
 */
const LIMITS = {
  SOCKET_PREAUTH_MAX_BYTES: '4096',
  SOCKET_AUTH_TIMEOUT_MS: '5000',
  SOCKET_MAX_OUTBOUND_BYTES: String(256 * 1024),
  ...NO_HEARTBEAT,
};

const chat = inProcessChat(LIMITS);
const raws: WebSocket[] = [];

afterEach(() => {
  for (const raw of raws.splice(0)) raw.terminate();
});

/** An engine.io WebSocket connection that has received its open packet, and nothing more. */
async function anonymous(): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${chat.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
    perMessageDeflate: true,
  });
  raws.push(ws);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('message', (data) =>
      String(data).startsWith('0') ? resolve() : reject(new Error(String(data))),
    );
    ws.once('error', reject);
  });
  return { ws, closed };
}

it('closes an anonymous connection that sends an event, or binary attachments, before CONNECT', async () => {
  // A bystander opened at the same time, that sends nothing, outlives both.
  const bystander = await anonymous();
  const event = await anonymous();
  event.ws.send('42["chat:send",{"roomId":"x","clientMsgId":"y","content":"z"}]');
  await event.closed;
  const binary = await anonymous();
  binary.ws.send('451-["chat:send",{"_placeholder":true,"num":0}]');
  await binary.closed;
  expect(bystander.ws.readyState).toBe(WebSocket.OPEN);
});

it('closes an anonymous connection that sends CONNECT after CONNECT', async () => {
  const { ws, closed } = await anonymous();
  for (let i = 0; i < 5; i++) ws.send('40{"token":"junk"}');
  await closed;
});

it('holds the websocket of an anonymous upgrade to the same limit while it probes', async () => {
  const handshake = await fetch(`${chat.url}/socket.io/?EIO=4&transport=polling`);
  const sid = (JSON.parse((await handshake.text()).slice(1)) as { sid: string }).sid;
  const ws = new WebSocket(
    `${chat.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket&sid=${sid}`,
    {
      perMessageDeflate: true,
    },
  );
  raws.push(ws);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(`2probe${'0'.repeat(1024 * 1024)}`, { compress: true });
  expect(await closed).toBe(1009);
});

it('closes an anonymous connection whose message is over the limit, counted inflated', async () => {
  // 8 MiB of zeros deflate to ~8 KB on the wire: the inflated size is what counts.
  const { ws, closed } = await anonymous();
  ws.send(`40${'0'.repeat(8 * 1024 * 1024)}`, { compress: true });
  expect(await closed).toBe(1009);
});

it('closes an anonymous connection that does not authenticate in time', async () => {
  const opened = Date.now();
  const { closed } = await anonymous();
  await closed;
  // SOCKET_AUTH_TIMEOUT_MS (5 s), not socket.io's default of 45 s.
  expect(Date.now() - opened).toBeLessThan(30_000);
});

it('lets an authenticated connection send a message far over the pre-authentication limit', async () => {
  const alice = await createUser(chat.api);
  const roomId = await createRoom(chat.api, alice);
  const socket = await chat.open(alice);
  const ack = await socket.emitWithAck('chat:send', {
    roomId,
    clientMsgId: uniqueName(),
    content: 'a file',
    file: { name: 'big.bin', data: Buffer.alloc(200 * 1024, 7) },
  });
  // No file service runs here: the 200 KB message was received whole and answered.
  expect(ack).toMatchObject({ ok: false, error: { code: 'FILE_UPLOAD_FAILED' } });
  expect(socket.connected).toBe(true);
});

it('drops a member that stops reading once the server holds the bound for it', async () => {
  const alice = await createUser(chat.api);
  const roomId = await createRoom(chat.api, alice);
  const socket = await chat.open(alice);
  expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  const server = socketIoServer(chat.socketApp);
  const id = socket.id!;
  tcpOf(socket).pause();
  // Live traffic of the room, far more than the kernel's buffers take.
  const stream = chat.socketApp.get(MessageAppender);
  // Random text, so compression does not shrink it on the wire.
  const content = randomBytes(3000).toString('base64');
  const sending = (async () => {
    for (let batch = 0; batch < 40 && server.of('/').sockets.has(id); batch++)
      await Promise.all(
        Array.from({ length: 250 }, () =>
          stream.append({ roomId, senderId: 's', senderName: 'sam', content, clientMsgId: uniqueName() }),
        ),
      );
  })();
  await waitUntil(() => !server.of('/').sockets.has(id), {
    what: 'the server to drop the member that stopped reading',
    timeoutMs: 45_000,
    intervalMs: 50,
  });
  await sending;
}, 90_000);
