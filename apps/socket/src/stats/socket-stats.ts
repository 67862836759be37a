import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SocketInstanceStats } from '@chat/contracts';
import { MetricsService } from '@chat/observability';

/** Ack latencies kept per second for the percentiles: a uniform sample beyond this many. */
const LATENCY_SAMPLE = 2048;

/**
 * The socket app's figures, counted once and read two ways: Prometheus instruments for
 * /metrics, and a one-second window for the admins' live stats.
 */
@Injectable()
export class SocketStats {
  readonly instanceId = `${hostname()}:${process.pid}`;
  private readonly connectionsGauge;
  private readonly receivedCounter;
  private readonly storedCounter;
  private readonly deliveredCounter;
  private readonly failuresCounter;
  private readonly ackLatency;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  private connections = 0;
  private storedTotal = 0;
  private errorsTotal = 0;
  private window = { received: 0, stored: 0, deliveries: 0, errors: 0, latencies: [] as number[], seen: 0 };
  private windowStart = Date.now();

  constructor(metrics: MetricsService) {
    this.connectionsGauge = metrics.gauge('chat_socket_connections', 'Open socket.io connections');
    this.receivedCounter = metrics.counter('chat_messages_received_total', 'chat:send events received');
    this.storedCounter = metrics.counter(
      'chat_messages_stored_total',
      'chat:send acked ok (duplicates excluded)',
    );
    this.deliveredCounter = metrics.counter(
      'chat_messages_delivered_total',
      'Messages emitted to the local sockets of a room (once per room, not per socket)',
    );
    this.failuresCounter = metrics.counter('chat_socket_errors_total', 'Failed socket acks by error code', [
      'code',
      'event',
    ]);
    this.ackLatency = metrics.histogram(
      'chat_send_ack_seconds',
      'chat:send handling time until the ack',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    );
    this.loopDelay.enable();
  }

  connected(): void {
    this.connections++;
    this.connectionsGauge.inc();
  }

  disconnected(): void {
    this.connections--;
    this.connectionsGauge.dec();
  }

  received(): void {
    this.window.received++;
    this.receivedCounter.inc();
  }

  /** An ok ack; `duplicate` sends are acked but were not stored again. */
  acked(seconds: number, duplicate: boolean): void {
    this.ackLatency.observe(seconds);
    if (!duplicate) {
      this.storedCounter.inc();
      this.storedTotal++;
      this.window.stored++;
    }
    const w = this.window;
    const ms = seconds * 1000;
    w.seen++;
    if (w.latencies.length < LATENCY_SAMPLE) w.latencies.push(ms);
    else {
      const slot = Math.floor(Math.random() * w.seen);
      if (slot < LATENCY_SAMPLE) w.latencies[slot] = ms;
    }
  }

  failed(code: string, event: string): void {
    this.failuresCounter.inc({ code, event });
    this.errorsTotal++;
    this.window.errors++;
  }

  /** A chat:message emitted once to a room, reaching its `sockets` local sockets. */
  delivered(sockets: number): void {
    this.deliveredCounter.inc();
    this.window.deliveries += sockets;
  }

  /** The last window's figures (rates per second), and a new window. */
  take(users: number, now = Date.now()): SocketInstanceStats {
    const w = this.window;
    const seconds = Math.max(0.001, (now - this.windowStart) / 1000);
    const rate = (n: number) => Math.round((n / seconds) * 10) / 10;
    const sorted = w.latencies.sort((a, b) => a - b);
    const quantile = (q: number) =>
      sorted.length
        ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 100) / 100
        : null;
    const stats: SocketInstanceStats = {
      id: this.instanceId,
      at: now,
      connections: this.connections,
      users,
      messagesInPerSec: rate(w.received),
      storedPerSec: rate(w.stored),
      deliveriesPerSec: rate(w.deliveries),
      errorsPerSec: rate(w.errors),
      ackP50Ms: quantile(0.5),
      ackP99Ms: quantile(0.99),
      eventLoopP99Ms: Math.round(this.loopDelay.percentile(99) / 1e4) / 100,
      rssBytes: process.memoryUsage.rss(),
      storedTotal: this.storedTotal,
      errorsTotal: this.errorsTotal,
    };
    this.window = { received: 0, stored: 0, deliveries: 0, errors: 0, latencies: [], seen: 0 };
    this.windowStart = now;
    this.loopDelay.reset();
    return stats;
  }
}
