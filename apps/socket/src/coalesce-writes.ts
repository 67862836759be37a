// engine.io's websocket transport keeps its ws WebSocket in `socket`, and ws its net.Socket in
// `_socket`: private fields, so they are typed here and checked at run time. If a release moves
// them, coalesceWrites does nothing and every frame is simply written on its own, as before.
export interface EngineTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: { cork(): void; uncork(): void } };
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
