import { Inject, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { WebSocketGateway, WebSocketServer, type OnGatewayConnection } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode, SocketEvent, type Ack, type AdminStats } from '@chat/contracts';
import { LiveStatsRepository } from '@chat/redis';
import { toAckError } from '../ack.js';
import { bindEvents, type EventTable } from '../transport/events.js';
import { SocketStats } from './socket-stats.js';

/** The local socket.io room of admins who subscribed; not a chat room id (those are UUIDs). */
const ADMIN_ROOM = 'admin:stats';
const REPORT_INTERVAL_MS = 1000;

/**
 * Live stats: every second this instance writes its figures to Redis (the api's
 * `GET /admin/stats` reads them too) and, when admins here subscribed, sends them the whole
 * deployment's snapshot. Admins are the users named in ADMIN_USERNAMES.
 */
@WebSocketGateway()
export class AdminStatsGateway implements OnGatewayConnection, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdminStatsGateway.name);
  private readonly events: EventTable<Socket> = {
    [SocketEvent.AdminStatsSubscribe]: (socket) => this.subscribe(socket),
    [SocketEvent.AdminStatsUnsubscribe]: (socket) => this.unsubscribe(socket),
  };
  @WebSocketServer() server: Server;
  private timer: NodeJS.Timeout | null = null;
  private reporting = false;

  constructor(
    private readonly stats: SocketStats,
    private readonly live: LiveStatsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report(), REPORT_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.live.removeInstance(this.stats.instanceId).catch(() => undefined);
  }

  handleConnection(socket: Socket): void {
    bindEvents(socket, this.events, this.logger);
  }

  async subscribe(socket: Socket): Promise<Ack<{ stats: AdminStats }>> {
    try {
      this.assertAdmin(socket);
      const stats = await this.live.snapshot();
      await socket.join(ADMIN_ROOM);
      return { ok: true, stats };
    } catch (error) {
      return toAckError(error, this.logger);
    }
  }

  async unsubscribe(socket: Socket): Promise<Ack> {
    await socket.leave(ADMIN_ROOM);
    return { ok: true };
  }

  private assertAdmin(socket: Socket): void {
    const user = (socket.data as { user?: { username: string } }).user;
    if (!user || !this.config.adminUsernames.has(user.username))
      throw new AppError(ErrorCode.FORBIDDEN, 'live stats are for admins (ADMIN_USERNAMES)');
  }

  private async report(): Promise<void> {
    if (this.reporting || !this.server) return; // a slow Redis never stacks reports up
    this.reporting = true;
    try {
      const sockets = this.server.of('/').sockets;
      const users = new Set<string>();
      for (const socket of sockets.values()) {
        const id = (socket.data as { user?: { id: string } }).user?.id;
        if (id) users.add(id);
      }
      await this.live.reportInstance(this.stats.take(users.size));
      if (this.server.of('/').adapter.rooms.get(ADMIN_ROOM)?.size)
        this.server.local.to(ADMIN_ROOM).emit(SocketEvent.AdminStats, await this.live.snapshot());
    } catch (error) {
      this.logger.warn(`live stats not reported: ${(error as Error).message}`);
    } finally {
      this.reporting = false;
    }
  }
}
