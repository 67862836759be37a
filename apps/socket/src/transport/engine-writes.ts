import type { Server } from 'socket.io';

// The one module that reaches into socket.io, engine.io and ws internals. engine.io's websocket
// transport keeps its ws WebSocket in `socket`, and ws its net.Socket in `_socket` and its frame
// writer in `_sender`: private fields, so they are typed here and checked at run time. If a
// release moves them, these functions do nothing (and say so: they return false) and every
// frame is written the stock way. The versions they were written against are pinned exactly
// (package.json: socket.io, socket.io-parser, overrides for engine.io and ws); the fence test
// (apps/socket/test/transport-fence.spec.ts) fails when an installed version differs from
// these, or when a function no longer takes hold of a real connection.
export const CHECKED_VERSIONS = {
  'socket.io': '4.8.3',
  'socket.io-parser': '4.2.7',
  'engine.io': '6.6.12',
  ws: '8.21.3',
} as const;
export interface EngineTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: {
    _socket?: { cork(): void; uncork(): void };
    _sender?: { sendFrame?: unknown; _state?: number; _queue?: unknown[] };
  };
  _canSendPreEncodedFrame?: (packet: EnginePacket) => boolean;
}
interface EnginePacket {
  options?: { wsPreEncodedFrame?: Buffer[] };
}
export interface EngineConnection {
  transport: EngineTransport;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
}

/** Frames of at least this many bytes are compressed (permessage-deflate); smaller ones are not. */
export const COMPRESSION_THRESHOLD = 1024;

/**
 * engine.io sends a connection's queued packets (acks and deliveries that piled up while the
 * previous write was in flight) one ws frame at a time, each its own write syscall: writev was
 * a fifth of the socket app's CPU under load. Corking the TCP socket around the batch sends it
 * in one syscall. The frames and their order are unchanged.
 */
export function coalesceWrites(transport: EngineTransport): boolean {
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  if (!tcp) return false;
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    if (packets.length < 2) return send(packets);
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
  return true;
}

/** ws's sender state when no compressed frame is being produced (ws/lib/sender.js: DEFAULT). */
export const SENDER_IDLE = 0;

/**
 * Whether ws has no frame being compressed or queued behind one: a frame written now goes out
 * after everything ws was given before it.
 */
function senderIdle(sender: { _state?: number; _queue?: unknown[] }): boolean {
  return sender._state === SENDER_IDLE && Array.isArray(sender._queue) && sender._queue.length === 0;
}

/**
 * socket.io encodes a broadcast once, as a finished WebSocket frame, but engine.io uses that frame
 * only when compression is off altogether; with our compression threshold every recipient
 * encoded the packet again and turned the string into bytes in its own write (6 % of the socket
 * app's busy time with rooms of 10). This sends the shared frame when the packet is below the
 * threshold (ws would not have compressed it either) and ws has no compressed frame in progress,
 * which keeps the frames in order; anything else takes the stock path.
 */
export function sendPreEncodedFrames(transport: EngineTransport, compressionThreshold: number): boolean {
  const sender = transport.name === 'websocket' ? transport.socket?._sender : undefined;
  if (
    !sender ||
    typeof sender.sendFrame !== 'function' ||
    typeof transport._canSendPreEncodedFrame !== 'function' ||
    !Array.isArray(sender._queue)
  )
    return false;
  transport._canSendPreEncodedFrame = (packet) => {
    const frame = packet.options?.wsPreEncodedFrame;
    if (!frame || !senderIdle(sender)) return false;
    // [header, payload] (an unmasked frame), or one buffer holding both.
    const payloadBytes = frame.length === 2 ? frame[1]!.length : frame[0]!.length;
    return payloadBytes < compressionThreshold;
  };
  return true;
}

/** What a direct write needs of an engine.io connection (private fields, checked at run time). */
interface DirectConnection {
  readyState?: string;
  upgrading?: boolean;
  writeBuffer?: unknown[];
  transport?: EngineTransport;
}
interface DirectSocket {
  conn: DirectConnection;
  client: { writeToEngine(packets: string[], options: object): void };
}
interface WsSocket {
  readyState?: number;
  _socket?: {
    writable?: boolean;
    writableCorked?: number;
    write(chunk: Buffer): boolean;
    cork(): void;
    uncork(): void;
  };
  _sender?: { _state?: number; _queue?: unknown[] };
}

/** ws's readyState of an open connection. */
const WS_OPEN = 1;

/**
 * One message to every socket of this instance in `roomId`, as `server.local.to(roomId).emit()`
 * would send it, for less. socket.io took every recipient through its adapter, client and
 * engine.io socket: a packet object, events, a write buffer, a corked two-buffer writev and a
 * write callback that flushes again; a third of the socket app's busy time with rooms of 10. Here
 * the frame is built once and written straight to each connection's TCP socket when nothing of
 * that connection is queued anywhere above it (engine.io's write buffer, ws' sender), so frames
 * stay in order; any other connection (polling, upgrading, busy) gets the same pre-encoded
 * packet through engine.io. Packets of `compressionThreshold` bytes or more are compressed, so
 * they take socket.io's own path. Returns how many sockets it went to.
 */
export function emitToLocalRoom(
  server: Server,
  roomId: string,
  event: string,
  data: unknown,
  compressionThreshold: number,
): number {
  const nsp = server.of('/');
  const ids = nsp.adapter.rooms.get(roomId);
  if (!ids?.size) return 0;
  // socket.io protocol 5: EVENT (2) on the main namespace, no ack id; engine.io MESSAGE (4).
  const encoded = `2${JSON.stringify([event, data])}`;
  const bytes = Buffer.byteLength(encoded) + 1;
  if (bytes >= compressionThreshold) {
    server.local.to(roomId).emit(event, data);
    return ids.size;
  }
  const frame = textFrame(`4${encoded}`, bytes);
  const options = { preEncoded: true, wsPreEncodedFrame: [frame] };
  for (const id of ids) {
    const socket = nsp.sockets.get(id) as unknown as DirectSocket | undefined;
    if (!socket) continue;
    if (!writeFrame(socket.conn, frame)) socket.client.writeToEngine([encoded], options);
  }
  return ids.size;
}

/** What a direct ack needs of a socket.io socket (private fields, checked at run time). */
interface AckSocket {
  conn: DirectConnection;
  nsp: { name: string };
  client: { encoder?: { encode(packet: object): unknown[] } };
  ack?: (id: number) => (...args: unknown[]) => void;
}

/** socket.io protocol 5's ACK packet type. */
const ACK = 3;

/**
 * Replies to the client's acknowledgements (`socket.emit(event, data, callback)`) as socket.io
 * would, for less: the reply is encoded by socket.io's own encoder, framed once and written
 * straight to the connection's TCP socket when nothing of that connection is queued above it,
 * like a delivery (`emitToLocalRoom`). socket.io's path took each ack through a packet object,
 * engine.io's write buffer and flush, ws' sender and a write callback; and because engine.io
 * swaps in a new write buffer at every flush, the one an ack waited in (a second old, for a
 * client sending once a second) kept it and its reply alive through young-generation GCs until
 * the next full one: a fifth of what the socket app promoted to the old generation under
 * seed-003. Binary, large (compressed) and busy-connection replies take socket.io's own path.
 */
export function directAcks(socket: unknown, compressionThreshold: number): boolean {
  const s = socket as AckSocket;
  const makeAck = s.ack;
  const encoder = s.client?.encoder;
  if (typeof makeAck !== 'function' || typeof encoder?.encode !== 'function') return false;
  s.ack = (id) => {
    let sent = false;
    return (...args) => {
      if (sent) return;
      sent = true;
      const encoded = encoder.encode({ type: ACK, id, data: args, nsp: s.nsp.name });
      const text = encoded.length === 1 ? encoded[0] : undefined;
      if (typeof text === 'string') {
        const bytes = Buffer.byteLength(text) + 1;
        if (bytes < compressionThreshold && writeFrame(s.conn, textFrame(`4${text}`, bytes))) return;
      }
      makeAck.call(s, id)(...args);
    };
  };
  return true;
}

/** Writes `frame` on the connection's TCP socket if nothing of it is queued above; else false. */
function writeFrame(conn: DirectConnection, frame: Buffer): boolean {
  const transport = conn.transport;
  if (conn.readyState !== 'open' || conn.upgrading || transport?.name !== 'websocket') return false;
  if (!Array.isArray(conn.writeBuffer) || conn.writeBuffer.length > 0) return false;
  const ws = transport.socket as WsSocket | undefined;
  const sender = ws?._sender;
  const tcp = ws?._socket;
  if (ws?.readyState !== WS_OPEN || !sender || !tcp?.writable || !senderIdle(sender)) return false;
  // Frames for the same connection in this tick (a burst read from Redis) leave in one writev.
  if (!tcp.writableCorked) {
    tcp.cork();
    process.nextTick(uncork, tcp);
  }
  tcp.write(frame);
  return true;
}

function uncork(tcp: { uncork(): void }): void {
  tcp.uncork();
}

/** An unmasked, final WebSocket text frame (RFC 6455 §5.2) of `text`, which is `bytes` long. */
export function textFrame(text: string, bytes: number): Buffer {
  const header = bytes < 126 ? 2 : bytes < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + bytes);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) frame[1] = bytes;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(bytes, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(bytes), 2);
  }
  frame.write(text, header, 'utf8');
  return frame;
}

/** What outboundBytes and whenFlushed read of an engine.io connection (checked at run time). */
interface BufferedConnection {
  readyState?: string;
  writeBuffer?: Array<{ data?: unknown; options?: { wsPreEncodedFrame?: unknown } }>;
  transport?: {
    socket?: { bufferedAmount?: unknown };
    on?(event: string, listener: () => void): unknown;
    off?(event: string, listener: () => void): unknown;
  };
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Bytes the server holds for a connection that the client has not taken yet: packets waiting
 * in engine.io's write buffer (while the previous write is unfinished), with the pre-encoded
 * frames socket.io keeps beside broadcast packets, and what ws has handed
 * to Node's socket (`bufferedAmount`, public in ws) but the kernel has not accepted. A client
 * that stops reading makes this grow.
 */
export function outboundBytes(conn: unknown): number {
  const c = conn as BufferedConnection;
  let bytes = 0;
  if (Array.isArray(c.writeBuffer))
    for (const packet of c.writeBuffer) {
      const data = packet?.data;
      bytes += typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.length : 0;
      // A broadcast also keeps socket.io's pre-encoded frame of it, as large again.
      const frame = packet?.options?.wsPreEncodedFrame;
      if (Array.isArray(frame)) for (const part of frame) if (Buffer.isBuffer(part)) bytes += part.length;
    }
  const ws = c.transport?.socket?.bufferedAmount;
  return bytes + (typeof ws === 'number' ? ws : 0);
}

/**
 * Resolves once the connection holds at most `bytes` unsent (see outboundBytes); rejects when
 * the connection closes, or when the client has not read enough within `timeoutMs`. engine.io
 * emits `drain` on the connection when it hands its buffer to the transport, and the transport
 * emits `drain` when ws reports its frames written: each is a moment to look again.
 */
export function whenFlushed(conn: unknown, bytes: number, timeoutMs: number): Promise<void> {
  const c = conn as BufferedConnection;
  if (outboundBytes(c) <= bytes) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const transport = c.transport;
    const done = (error?: Error) => {
      clearTimeout(timer);
      c.off('drain', check);
      c.off('close', closed);
      transport?.off?.('drain', check);
      if (error) reject(error);
      else resolve();
    };
    const check = () => {
      if (outboundBytes(c) <= bytes) done();
    };
    const closed = () => done(new Error('connection closed'));
    const timer = setTimeout(() => done(new Error(`the client read nothing for ${timeoutMs} ms`)), timeoutMs);
    c.on('drain', check);
    c.on('close', closed);
    transport?.on?.('drain', check);
  });
}

/**
 * Closes a connection at once, dropping whatever it holds unsent. A polite close would wait
 * (ws gives a peer 30 s to answer its close frame) for a client that is not reading anyway.
 */
export function terminate(conn: unknown): void {
  const c = conn as { close?(): void; transport?: { socket?: { terminate?(): void } } };
  const ws = c.transport?.socket;
  if (typeof ws?.terminate === 'function') ws.terminate();
  else c.close?.();
}

/** What limitIncoming sets (private fields of engine.io's transports and ws, checked at run time). */
interface LimitedTransport {
  name?: string;
  maxHttpBufferSize?: number;
  socket?: {
    _receiver?: { _maxPayload?: number };
    _extensions?: Record<string, { _maxPayload?: number } | undefined>;
  };
}

/**
 * Sets the largest message this connection's current transport accepts: a longer one closes
 * the connection before it is buffered (ws: 1009; polling: 413). engine.io gives every
 * connection the server's one `maxHttpBufferSize`; ws copies it into each connection's frame
 * receiver and inflater (where it bounds the decompressed size), and engine.io into each
 * polling transport. Returns false when a field is not where it was (then the server-wide limit holds).
 */
export function limitIncoming(transport: unknown, bytes: number): boolean {
  const t = transport as LimitedTransport;
  if (t.name !== 'websocket') {
    if (typeof t.maxHttpBufferSize !== 'number') return false;
    t.maxHttpBufferSize = bytes;
    return true;
  }
  const receiver = t.socket?._receiver;
  if (typeof receiver?._maxPayload !== 'number') return false;
  receiver._maxPayload = bytes;
  const inflater = t.socket?._extensions?.['permessage-deflate'];
  if (inflater && typeof inflater._maxPayload === 'number') inflater._maxPayload = bytes;
  return true;
}
