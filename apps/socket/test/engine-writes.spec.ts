import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import {
  coalesceWrites,
  directAcks,
  emitToLocalRoom,
  sendPreEncodedFrames,
  textFrame,
  type EngineTransport,
} from '../src/transport/engine-writes.js';
import { waitUntil } from '../../../scripts/harness.mjs';

/**
 * The write path tuning against real socket.io and ws, with permessage-deflate negotiated as
 * browsers and socket.io-client do: small broadcasts go out as socket.io's shared frame, large
 * ones are still compressed, and every client gets every message, intact and in order.
 */
const THRESHOLD = 1024;
let http: HttpServer;
let server: Server;
let clients: Socket[] = [];
/** Server-side frames written by ws's own send() (encoded per recipient, maybe compressed). */
let perRecipientFrames = 0;

beforeAll(async () => {
  http = createServer();
  server = new Server(http, {
    transports: ['websocket'],
    perMessageDeflate: { threshold: THRESHOLD, serverNoContextTakeover: true, clientNoContextTakeover: true },
  });
  server.engine.on('connection', (conn: { transport: EngineTransport }) => {
    const transport = conn.transport;
    coalesceWrites(transport);
    sendPreEncodedFrames(transport, THRESHOLD);
    const sender = (transport.socket as unknown as { _sender: { send: (...args: unknown[]) => void } })
      ._sender;
    const send = sender.send.bind(sender);
    sender.send = (...args) => {
      perRecipientFrames++;
      send(...args);
    };
  });
  server.on('connection', (socket) => void socket.join('room'));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  clients = await Promise.all(
    Array.from(
      { length: 3 },
      () =>
        new Promise<Socket>((resolve) => {
          const client = connect(url, { transports: ['websocket'], forceNew: true });
          client.once('connect', () => resolve(client));
        }),
    ),
  );
  await waitUntil(() => server.of('/').adapter.rooms.get('room')?.size === 3, { what: 'the joins' });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await new Promise((resolve) => server.close(resolve));
});

/** Calls `onFrame` for every frame ws writes for engine.io (`send`, `sendFrame`) on a WebSocket. */
function countEngineFrames(io: Server, onFrame: () => void): void {
  io.engine.on('connection', (conn: { transport: EngineTransport }) => {
    const sender = (
      conn.transport.socket as unknown as { _sender?: Record<string, (...a: unknown[]) => void> }
    )?._sender;
    if (!sender) return;
    for (const method of ['send', 'sendFrame']) {
      const original = sender[method]!.bind(sender);
      sender[method] = (...args) => {
        onFrame();
        original(...args);
      };
    }
  });
}

function received(client: Socket, count: number): Promise<unknown[]> {
  const messages: unknown[] = [];
  return new Promise((resolve) => {
    client.on('chat:message', (message: unknown) => {
      messages.push(message);
      if (messages.length === count) resolve(messages);
    });
  });
}

it('sends small broadcasts as one shared frame and compresses large ones, in order', async () => {
  const small = (n: number) => ({ n, content: `small ${n}` });
  const large = (n: number) => ({ n, content: `large ${n} `.repeat(800) }); // ~8 KB, compressible
  const sent = [small(1), large(2), small(3), small(4), large(5), small(6), small(7)];
  const arrivals = clients.map((client) => received(client, sent.length));
  perRecipientFrames = 0;
  for (const message of sent) server.to('room').emit('chat:message', message);
  for (const messages of await Promise.all(arrivals)) expect(messages).toEqual(sent);
  // Per recipient: the two large ones, plus the small ones queued behind a large one still being
  // compressed (frames stay in order); never all of the small ones.
  expect(perRecipientFrames).toBeGreaterThanOrEqual(2 * clients.length);
  expect(perRecipientFrames).toBeLessThan(sent.length * clients.length);

  // Small broadcasts alone all take the shared frame.
  const onlySmall = [small(8), small(9), small(10)];
  const next = clients.map((client) => {
    client.removeAllListeners('chat:message');
    return received(client, onlySmall.length);
  });
  perRecipientFrames = 0;
  for (const message of onlySmall) server.to('room').emit('chat:message', message);
  for (const messages of await Promise.all(next)) expect(messages).toEqual(onlySmall);
  expect(perRecipientFrames).toBe(0);
});

describe('emitToLocalRoom', () => {
  let http2: HttpServer;
  let io: Server;
  let direct: Socket[] = [];
  let polling: Socket;
  /** Frames written by engine.io and ws (not straight to the TCP socket). */
  let engineFrames = 0;

  beforeAll(async () => {
    http2 = createServer();
    io = new Server(http2, {
      transports: ['websocket', 'polling'],
      perMessageDeflate: {
        threshold: THRESHOLD,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
    });
    countEngineFrames(io, () => engineFrames++);
    io.on('connection', (socket) => void socket.join('room'));
    await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http2.address() as AddressInfo).port}`;
    const open = (transports: string[]) =>
      new Promise<Socket>((resolve) => {
        const client = connect(url, { transports, upgrade: false, forceNew: true });
        client.once('connect', () => resolve(client));
      });
    direct = await Promise.all([open(['websocket']), open(['websocket'])]);
    polling = await open(['polling']);
    await waitUntil(() => io.of('/').adapter.rooms.get('room')?.size === 3, { what: 'the joins' });
  });

  afterAll(async () => {
    for (const client of [...direct, polling]) client.close();
    await new Promise((resolve) => io.close(resolve));
  });

  const emit = (message: unknown) => emitToLocalRoom(io, 'room', 'chat:message', message, THRESHOLD);

  it('writes small messages straight to idle WebSocket connections, once per recipient, in order', async () => {
    const sent = Array.from({ length: 20 }, (_, n) => ({ n, content: `message ${n} é ✓` }));
    const arrivals = [...direct, polling].map((client) => received(client, sent.length));
    engineFrames = 0;
    for (const message of sent) expect(emit(message)).toBe(3);
    for (const messages of await Promise.all(arrivals)) expect(messages).toEqual(sent);
    // The polling client had them through engine.io; the WebSocket ones never did.
    expect(engineFrames).toBe(0);
  });

  it('keeps order with packets engine.io still holds, and leaves large messages to socket.io', async () => {
    const [client] = direct;
    const serverSocket = [...io.of('/').sockets.values()].find((s) => s.id === client!.id)!;
    const large = { n: 'large', content: 'compressible '.repeat(400) };
    const sent = [
      { n: 'a' },
      { n: 'b' },
      { n: 'direct-1' },
      large,
      { n: 'direct-2' },
      { n: 'c' },
      { n: 'direct-3' },
    ];
    for (const c of [...direct, polling]) c.removeAllListeners('chat:message');
    const arrival = received(client!, sent.length);
    // 'a' is written at once; 'b' waits in engine.io's buffer for a's write callback, so
    // 'direct-1' must wait behind it rather than overtake it.
    serverSocket.emit('chat:message', sent[0]);
    serverSocket.emit('chat:message', sent[1]);
    emit(sent[2]);
    emit(sent[3]);
    emit(sent[4]);
    serverSocket.emit('chat:message', sent[5]);
    emit(sent[6]);
    expect(await arrival).toEqual(sent);
  });

  it('builds RFC 6455 text frames for every payload length class', () => {
    for (const length of [0, 125, 126, 65535, 65536]) {
      const text = 'x'.repeat(length);
      const frame = textFrame(text, length);
      expect(frame[0]).toBe(0x81);
      const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
      const declared =
        header === 2 ? frame[1] : header === 4 ? frame.readUInt16BE(2) : Number(frame.readBigUInt64BE(2));
      expect(frame[1]! & 0x80).toBe(0); // servers never mask
      expect(declared).toBe(length);
      expect(frame.subarray(header).toString()).toBe(text);
    }
  });
});

describe('directAcks', () => {
  let http3: HttpServer;
  let io: Server;
  let client: Socket;
  /** Frames written by engine.io and ws (not straight to the TCP socket). */
  let engineFrames = 0;

  beforeAll(async () => {
    http3 = createServer();
    io = new Server(http3, {
      transports: ['websocket'],
      perMessageDeflate: {
        threshold: THRESHOLD,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
    });
    countEngineFrames(io, () => engineFrames++);
    io.on('connection', (socket) => {
      directAcks(socket, THRESHOLD);
      socket.on('echo', (value: unknown, ack: (...reply: unknown[]) => void) => ack({ ok: true, value }));
      socket.on('twice', (ack: (reply: unknown) => void) => {
        ack('first');
        ack('second');
      });
      socket.on('binary', (ack: (reply: unknown) => void) =>
        ack({ ok: true, bytes: Buffer.from([1, 2, 3]) }),
      );
      socket.on('many', (ack: (...reply: unknown[]) => void) => ack(1, 'two', { three: 3 }));
      // Two events first ('b' waits in engine.io's buffer behind 'a'), then the ack.
      socket.on('after', (ack: (reply: unknown) => void) => {
        socket.emit('chat:message', 'a');
        socket.emit('chat:message', 'b');
        ack('ack');
      });
    });
    await new Promise<void>((resolve) => http3.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http3.address() as AddressInfo).port}`;
    client = await new Promise<Socket>((resolve) => {
      const c = connect(url, { transports: ['websocket'], forceNew: true });
      c.once('connect', () => resolve(c));
    });
  });

  afterAll(async () => {
    client.close();
    await new Promise((resolve) => io.close(resolve));
  });

  it('writes small replies straight to the TCP socket, as socket.io would encode them', async () => {
    engineFrames = 0;
    const values = ['plain', 'é ✓ 😀', { nested: [1, null, true] }, 42];
    const replies = await Promise.all(values.map((value) => client.emitWithAck('echo', value)));
    expect(replies).toEqual(values.map((value) => ({ ok: true, value })));
    expect(await client.emitWithAck('many')).toBe(1); // emitWithAck resolves with the first
    await expect(
      new Promise((resolve) => client.emit('many', (...all: unknown[]) => resolve(all))),
    ).resolves.toEqual([1, 'two', { three: 3 }]);
    expect(engineFrames).toBe(0);
  });

  it('acks once, and leaves binary and large replies to socket.io', async () => {
    const seen: unknown[] = [];
    client.emit('twice', (reply: unknown) => seen.push(reply));
    await client.emitWithAck('echo', 'barrier');
    expect(seen).toEqual(['first']);

    engineFrames = 0;
    const binary = (await client.emitWithAck('binary')) as { ok: boolean; bytes: Buffer };
    expect(Buffer.from(binary.bytes)).toEqual(Buffer.from([1, 2, 3]));
    const large = 'compressible '.repeat(400);
    expect(await client.emitWithAck('echo', large)).toEqual({ ok: true, value: large });
    expect(engineFrames).toBeGreaterThanOrEqual(2);
  });

  it('keeps order with packets engine.io still holds', async () => {
    const order: unknown[] = [];
    client.on('chat:message', (message: unknown) => order.push(message));
    await new Promise<void>((resolve) =>
      client.emit('after', (reply: unknown) => {
        order.push(reply);
        resolve();
      }),
    );
    client.off('chat:message');
    expect(order).toEqual(['a', 'b', 'ack']);
  });
});
