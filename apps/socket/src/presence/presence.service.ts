import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { PresenceUser } from '@chat/contracts';
import { MetricsService } from '@chat/observability';
import { PresenceRepository, type ConnectionEntry } from '@chat/redis';

interface LocalConnection extends ConnectionEntry {
  rooms: Set<string>;
}

/**
 * This instance's connections and the rooms they joined, mirrored into Redis (PresenceRepository)
 * and refreshed every PRESENCE_HEARTBEAT_MS. The entries expire after three missed beats, so a
 * crashed instance's users drop out of presence within 3 × PRESENCE_HEARTBEAT_MS; joins and
 * leaves on a live instance count at once.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly connections = new Map<string, LocalConnection>();
  private readonly heartbeatMs: number;
  private readonly rtt;

  constructor(
    private readonly repository: PresenceRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    metrics: MetricsService,
  ) {
    this.heartbeatMs = config.PRESENCE_HEARTBEAT_MS;
    this.rtt = metrics.histogram(
      'chat_socket_rtt_seconds',
      'Round trip of engine.io pings per connection',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
  }

  private get ttlMs(): number {
    return this.heartbeatMs * 3;
  }

  onApplicationBootstrap(): void {
    const interval = setInterval(() => void this.heartbeat(), this.heartbeatMs);
    this.scheduler.addInterval('presence-heartbeat', interval);
    void this.heartbeat();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', 'presence-heartbeat'))
      this.scheduler.deleteInterval('presence-heartbeat');
    await this.repository.removeInstance(this.instanceId).catch(() => undefined);
  }

  connected(socketId: string, user: PresenceUser): void {
    const connection: LocalConnection = {
      socketId,
      user,
      connectedAt: Date.now(),
      rooms: new Set(),
      rttMs: null,
    };
    this.connections.set(socketId, connection);
    this.repository.register(this.instanceId, connection).catch(() => undefined);
  }

  recordRtt(socketId: string, ms: number): void {
    const connection = this.connections.get(socketId);
    if (connection) connection.rttMs = Math.round(ms * 100) / 100;
    this.rtt.observe(ms / 1000);
  }

  /** Returns true when this made the user online in the room. */
  async joined(socketId: string, roomId: string): Promise<boolean> {
    const connection = this.connections.get(socketId);
    if (!connection || connection.rooms.has(roomId)) return false;
    connection.rooms.add(roomId);
    return this.repository.join(roomId, connection.user, socketId, this.ttlMs);
  }

  /** Returns true when this made the user offline in the room. */
  async left(socketId: string, roomId: string): Promise<boolean> {
    const connection = this.connections.get(socketId);
    if (!connection?.rooms.delete(roomId)) return false;
    return this.repository.leave(roomId, connection.user, socketId);
  }

  /** Leaves every room; returns the rooms in which the user went offline. */
  async disconnected(socketId: string): Promise<{ user: PresenceUser; offlineIn: string[] } | null> {
    const connection = this.connections.get(socketId);
    if (!connection) return null;
    const offlineIn: string[] = [];
    for (const roomId of [...connection.rooms]) {
      if (await this.left(socketId, roomId).catch(() => false)) offlineIn.push(roomId);
    }
    this.connections.delete(socketId);
    await this.repository.unregister(this.instanceId, socketId).catch(() => undefined);
    return { user: connection.user, offlineIn };
  }

  online(roomId: string): Promise<PresenceUser[]> {
    return this.repository.online(roomId);
  }

  /** A missed beat or two is harmless: entries live for three. */
  private async heartbeat(): Promise<void> {
    const error = await this.repository.heartbeat(
      this.instanceId,
      [...this.connections.values()],
      this.ttlMs,
    );
    if (error) this.logger.warn(`presence heartbeat incomplete: ${String(error)}`);
  }
}
