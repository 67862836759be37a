import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import {
  CHECKED_VERSIONS,
  COMPRESSION_THRESHOLD,
  SENDER_IDLE,
  coalesceWrites,
  directAcks,
  limitIncoming,
  outboundBytes,
  sendPreEncodedFrames,
  type EngineTransport,
} from '../src/transport/engine-writes.js';
import { waitUntil } from '../../../scripts/harness.mjs';

/**
 * The fence around engine-writes.ts, the socket app's one module that relies on private parts
 * of socket.io, engine.io and ws: the versions installed are the ones it was written against,
 * and on a real connection every piece takes hold and the private state it reads behaves as
 * it assumes. When a dependency update breaks this, read engine-writes.ts against the new
 * release, then move CHECKED_VERSIONS and the pins in package.json together.
 */
const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..');

/** The version of `name` as `from` (a package directory) would load it. */
function installedVersion(name: string, from: string): { version: string; dir: string } {
  const require = createRequire(join(from, 'package.json'));
  let dir = dirname(require.resolve(name));
  while (
    !existsSync(join(dir, 'package.json')) ||
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name
  )
    dir = dirname(dir);
  return { version: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version, dir };
}

describe('versions', () => {
  it('installs socket.io, its parser, engine.io and ws exactly as engine-writes.ts was checked against', () => {
    const socketIo = installedVersion('socket.io', ROOT);
    const engineIo = installedVersion('engine.io', socketIo.dir);
    expect({
      'socket.io': socketIo.version,
      'socket.io-parser': installedVersion('socket.io-parser', socketIo.dir).version,
      'engine.io': engineIo.version,
      ws: installedVersion('ws', engineIo.dir).version,
    }).toEqual(CHECKED_VERSIONS);
  });

  it('pins them exactly in package.json, engine.io and ws through overrides', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect({
      'socket.io': pkg.dependencies['socket.io'],
      'socket.io-parser': pkg.dependencies['socket.io-parser'],
      'engine.io': pkg.overrides['engine.io'],
      ws: pkg.overrides.ws,
    }).toEqual(CHECKED_VERSIONS);
  });
});

describe('on a real connection', () => {
  let http: HttpServer;
  let server: Server;
  let client: Socket;
  let serverSocket: ServerSocket;

  interface WsInternals {
    send(data: string, options: { compress: boolean }): void;
    _sender: { _state: unknown; _queue: unknown[] };
  }
  const transportOf = (socket: ServerSocket) => socket.conn.transport as unknown as EngineTransport;
  const wsOf = (socket: ServerSocket) => (socket.conn.transport as unknown as { socket: WsInternals }).socket;

  beforeAll(async () => {
    http = createServer();
    server = new Server(http, {
      transports: ['websocket'],
      perMessageDeflate: {
        threshold: COMPRESSION_THRESHOLD,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
    });
    const connected = new Promise<ServerSocket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, {
      transports: ['websocket'],
      forceNew: true,
    });
    serverSocket = await connected;
  });

  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('takes hold with every piece of the fast path and the connection guard', () => {
    const transport = transportOf(serverSocket);
    expect(transport.name).toBe('websocket');
    expect(coalesceWrites(transport)).toBe(true);
    expect(sendPreEncodedFrames(transport, COMPRESSION_THRESHOLD)).toBe(true);
    expect(directAcks(serverSocket, COMPRESSION_THRESHOLD)).toBe(true);
    expect(limitIncoming(transport, 1024 * 1024)).toBe(true);
    expect(outboundBytes(serverSocket.conn)).toBe(0);
  });

  it("reads ws' sender as busy while it compresses a frame and holds the next behind it, idle after", async () => {
    const ws = wsOf(serverSocket);
    const idle = { state: ws._sender._state, queued: ws._sender._queue.length };
    expect(idle).toEqual({ state: SENDER_IDLE, queued: 0 });
    const received: string[] = [];
    client.on('fence', (text: string) => received.push(text.slice(0, 5)));
    // Engine.io MESSAGE (4) of a socket.io EVENT (2), as engine.io would write it.
    ws.send(`42${JSON.stringify(['fence', 'large'.repeat(20_000)])}`, { compress: true });
    expect(ws._sender._state).not.toBe(SENDER_IDLE);
    ws.send(`42${JSON.stringify(['fence', 'small'])}`, { compress: false });
    expect(ws._sender._queue.length).toBe(1);
    await waitUntil(() => received.length === 2, { what: 'both frames to arrive', timeoutMs: 10_000 });
    expect(received).toEqual(['large', 'small']);
    expect({ state: ws._sender._state, queued: ws._sender._queue.length }).toEqual(idle);
  });

  it('counts what engine.io holds in its write buffer while the transport writes', async () => {
    const received: string[] = [];
    client.on('held', (text: string) => received.push(text.slice(0, 5)));
    // The first goes to the transport, which is busy until ws has written it; the second waits
    // in engine.io's write buffer meanwhile.
    serverSocket.emit('held', 'large'.repeat(20_000));
    serverSocket.emit('held', 'queue'.repeat(200));
    const conn = serverSocket.conn as unknown as { writeBuffer: unknown[] };
    expect(conn.writeBuffer.length).toBe(1);
    expect(outboundBytes(conn)).toBeGreaterThanOrEqual(1000);
    await waitUntil(() => received.length === 2, { what: 'both to arrive', timeoutMs: 10_000 });
    expect(received).toEqual(['large', 'queue']);
    expect(outboundBytes(conn)).toBe(0);
  });
});
