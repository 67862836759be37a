import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Server } from 'socket.io';
import { FileUrlSigner } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MessageReader, parseMessageRecord } from '@chat/message-log';
import {
  AppError,
  ErrorCode,
  SocketEvent,
  compareStreamIds,
  draftToMessage,
  type Message,
} from '@chat/contracts';
import { HealthRegistry, MetricsService } from '@chat/observability';
import { RedisKeys, connectionReady, createRedisClient, type RedisClient } from '@chat/redis';
import { emitToRoom } from '../transport/fast-path.js';
import { SocketStats } from '../stats/socket-stats.js';

/** Receives a room's live messages while a socket replays what it missed. */
export type Tap = (message: Message) => void;

interface FeedRoom {
  roomId: string;
  channel: string;
  /** Local sockets that joined the room (or are joining it). */
  refs: number;
  ready: Promise<void>;
  /** Subscribed and `base` known. */
  live: boolean;
  /** The stream's last id when this instance subscribed: where a catch-up starts if nothing came since. */
  base: string;
  /** Newest message delivered by this instance. Ids arrive in order, so older ones are duplicates. */
  last: string | null;
  /** The subscription may have missed messages: buffer live ones until the catch-up is done. */
  gap: boolean;
  buffered: Message[];
  taps: Set<Tap>;
}

const CATCH_UP_PAGE = 1000;
const SUBSCRIBE_TIMEOUT_MS = 5000;
const RESYNC_RETRY_MS = 1000;

/**
 * Live delivery. The append script publishes each stored message on its room's shard channel
 * (Redis 7 sharded pub/sub, so a Redis Cluster spreads the traffic over its shards). Every socket
 * instance subscribes to the rooms its own sockets joined and emits to them locally: one copy
 * per socket, whichever instance stored the message, in stream order.
 *
 * Pub/sub forgets what it publishes while a subscriber is away. When the subscription connection
 * drops, each room is marked as having a gap; once subscribed again, the instance reads the
 * stream (and MongoDB) after the last message it delivered and emits what it missed before any
 * newer live message. So a Redis hiccup delays messages but loses none.
 */
@Injectable()
export class RoomFeed implements OnApplicationShutdown {
  private readonly logger = new Logger(RoomFeed.name);
  private readonly subscriber: RedisClient;
  private readonly rooms = new Map<string, FeedRoom>();
  private readonly byChannel = new Map<string, FeedRoom>();
  private server: Server | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private resyncing = false;
  private closing = false;
  private readonly caughtUp;

  constructor(
    private readonly replay: MessageReader,
    private readonly signer: FileUrlSigner,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
    health: HealthRegistry,
    private readonly stats: SocketStats,
  ) {
    this.caughtUp = metrics.counter(
      'chat_feed_caught_up_total',
      'Messages emitted after a pub/sub gap, read back from the stream',
    );
    this.subscriber = createRedisClient(config, 'socket-feed', { subscriber: true });
    this.subscriber.on('smessage', (channel: string, record: string) => this.onMessage(channel, record));
    this.subscriber.on('error', () => undefined);
    // Without it this instance's rooms get no live messages: out of the balancer until it is back.
    health.register('redis-feed', connectionReady(this.subscriber));
    // A single Redis reports a lost connection as 'close'; a cluster's shard subscribers as '-node'.
    for (const event of ['close', '-node', '-subscriber', 'moved'])
      this.subscriber.on(event, () => this.markGap());
  }

  attach(server: Server): void {
    this.server = server;
  }

  /** Subscribes this instance to the room (once for all its sockets); resolves when live. */
  async acquire(roomId: string): Promise<void> {
    let room = this.rooms.get(roomId);
    if (!room) {
      const channel = RedisKeys.roomChannel(roomId);
      const created: FeedRoom = {
        roomId,
        channel,
        refs: 0,
        ready: Promise.resolve(),
        live: false,
        base: '0-0',
        last: null,
        gap: false,
        buffered: [],
        taps: new Set(),
      };
      created.ready = this.subscribe(created);
      this.rooms.set(roomId, created);
      this.byChannel.set(channel, created);
      room = created;
    }
    room.refs++;
    try {
      await room.ready;
    } catch (error) {
      // Every waiter releases: the last one forgets the room, so the next join tries again.
      this.release(roomId);
      throw error;
    }
  }

  release(roomId: string): void {
    const room = this.rooms.get(roomId);
    if (!room || --room.refs > 0) return;
    this.forget(room);
    this.subscriber.sunsubscribe(room.channel).catch(() => undefined);
  }

  /** Live messages of the room also go to `tap` until the returned function is called. */
  tap(roomId: string, tap: Tap): () => void {
    const room = this.rooms.get(roomId);
    if (!room) throw new Error(`tap on a room not acquired: ${roomId}`);
    room.taps.add(tap);
    return () => room.taps.delete(tap);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private forget(room: FeedRoom): void {
    this.rooms.delete(room.roomId);
    this.byChannel.delete(room.channel);
  }

  private async subscribe(room: FeedRoom): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('subscribe timed out')), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.subscriber.ssubscribe(room.channel), timeout]);
      room.base = await this.replay.lastId(room.roomId);
      room.live = true;
    } catch {
      throw new AppError(ErrorCode.UNAVAILABLE, 'live delivery is unavailable (Redis); retry');
    } finally {
      clearTimeout(timer);
    }
  }

  private onMessage(channel: string, record: string): void {
    const room = this.byChannel.get(channel);
    if (!room) return;
    let message: Message;
    try {
      const { id, draft } = parseMessageRecord(record);
      message = draftToMessage(id, draft);
    } catch (error) {
      this.logger.warn(`undecodable live message on ${channel}: ${(error as Error).message}`);
      return;
    }
    if (room.gap) room.buffered.push(message);
    else this.deliver(room, message);
  }

  private deliver(room: FeedRoom, message: Message): boolean {
    if (room.last !== null && compareStreamIds(message.id, room.last) <= 0) return false;
    room.last = message.id;
    this.signer.withUrl(message);
    const server = this.server;
    if (server) {
      const recipients = emitToRoom(server, room.roomId, SocketEvent.ChatMessage, message);
      this.stats.delivered(recipients);
    }
    for (const tap of room.taps) tap(message);
    return true;
  }

  private markGap(): void {
    if (this.closing) return;
    let any = false;
    for (const room of this.rooms.values()) {
      if (!room.live) continue; // still subscribing: its base is read after the subscription
      room.gap = true;
      any = true;
    }
    if (!any) return;
    this.scheduleResync(0);
  }

  private scheduleResync(delay: number): void {
    if (this.resyncTimer || this.resyncing || this.closing) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      void this.resync();
    }, delay);
  }

  /** Re-subscribes every room that has a gap and emits what it missed, then its buffered live messages. */
  private async resync(): Promise<void> {
    this.resyncing = true;
    let failed = false;
    for (const room of [...this.rooms.values()]) {
      if (!room.gap) continue;
      try {
        // Answered only once the subscription is active again: nothing published after it is missed.
        await this.subscriber.ssubscribe(room.channel);
        for (;;) {
          const missed = await this.replay.after(room.roomId, room.last ?? room.base, CATCH_UP_PAGE);
          for (const message of missed) if (this.deliver(room, message)) this.caughtUp.inc();
          if (missed.length < CATCH_UP_PAGE) break;
        }
        for (const message of room.buffered) this.deliver(room, message);
        room.buffered = [];
        room.gap = false;
      } catch (error) {
        failed = true;
        this.logger.warn(`catch-up of room ${room.roomId} failed, retrying: ${(error as Error).message}`);
      }
    }
    this.resyncing = false;
    if (failed || [...this.rooms.values()].some((room) => room.gap)) this.scheduleResync(RESYNC_RETRY_MS);
  }
}
