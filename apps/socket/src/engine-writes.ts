// engine.io's websocket transport keeps its ws WebSocket in `socket`, and ws its net.Socket in
// `_socket` and its frame writer in `_sender`: private fields, so they are typed here and checked
// at run time. If a release moves them, these functions do nothing and every frame is written
// the stock way, as before.
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

/**
 * engine.io sends a connection's queued packets (acks and deliveries that piled up while the
 * previous write was in flight) one ws frame at a time, each its own write syscall: writev was
 * a fifth of the socket app's CPU under load. Corking the TCP socket around the batch sends it
 * in one syscall. The frames and their order are unchanged.
 */
export function coalesceWrites(transport: EngineTransport): void {
  const tcp = transport.name === 'websocket' ? transport.socket?._socket : undefined;
  if (!tcp) return;
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
}

/** ws's sender state when no compressed frame is being produced (ws/lib/sender.js: DEFAULT). */
const SENDER_IDLE = 0;

/**
 * socket.io encodes a broadcast once, as a finished WebSocket frame, but engine.io uses that frame
 * only when compression is off altogether; with our compression threshold every recipient
 * encoded the packet again and turned the string into bytes in its own write (6 % of the socket
 * app's busy time with rooms of 10). This sends the shared frame when the packet is below the
 * threshold (ws would not have compressed it either) and ws has no compressed frame in progress,
 * which keeps the frames in order; anything else takes the stock path.
 */
export function sendPreEncodedFrames(transport: EngineTransport, compressionThreshold: number): void {
  const sender = transport.name === 'websocket' ? transport.socket?._sender : undefined;
  if (
    !sender ||
    typeof sender.sendFrame !== 'function' ||
    typeof transport._canSendPreEncodedFrame !== 'function' ||
    !Array.isArray(sender._queue)
  )
    return;
  transport._canSendPreEncodedFrame = (packet) => {
    const frame = packet.options?.wsPreEncodedFrame;
    if (!frame || sender._state !== SENDER_IDLE || sender._queue!.length > 0) return false;
    // [header, payload] (an unmasked frame), or one buffer holding both.
    const payloadBytes = frame.length === 2 ? frame[1]!.length : frame[0]!.length;
    return payloadBytes < compressionThreshold;
  };
}
