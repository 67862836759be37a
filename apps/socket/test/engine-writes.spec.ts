import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { coalesceWrites, sendPreEncodedFrames, type EngineTransport } from '../src/engine-writes.js';

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
  await new Promise((r) => setTimeout(r, 50)); // the joins
});

afterAll(async () => {
  for (const client of clients) client.close();
  await new Promise((resolve) => server.close(resolve));
});

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
