import net from 'node:net';

/**
 * A round-robin TCP load balancer on loopback, like any L4 proxy in front of socket instances:
 * each new connection goes to the next backend that accepts it. WebSocket traffic passes through
 * untouched; when a backend dies, its connections close and reconnects land elsewhere.
 */
export class TcpBalancer {
  private server: net.Server | null = null;
  private next = 0;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly backends: () => number[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.route(client, 0));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private route(client: net.Socket, tried: number): void {
    const ports = this.backends();
    if (!ports.length || tried >= ports.length) {
      client.destroy();
      return;
    }
    const port = ports[this.next++ % ports.length];
    const upstream = net.connect(port, '127.0.0.1');
    upstream.once('connect', () => {
      this.sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    upstream.once('error', () => {
      if (!this.sockets.has(upstream)) this.route(client, tried + 1);
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
