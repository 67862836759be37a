import { Inject, Injectable } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { STREAM_FIELD, encodeDraft, type MessageDraft } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { REDIS, RedisKeys, partitionOf, type RedisClient } from '@chat/redis';
import {
  parseMessageRecord,
  seedCounter,
  withScripts,
  type AppendResult,
  type ScriptClient,
} from './room-streams.js';

/**
 * Appends made in the same turn of the event loop go to Redis as one script call (per cluster
 * slot), at most this many messages each. Under load the profile showed a script call, an
 * auto-pipeline, a command and their promises per message; a batch has one of each, and Redis
 * runs one script instead of dozens.
 */
const MAX_APPEND_BATCH = 256;

interface PendingAppend {
  draft: MessageDraft;
  json: string;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
  /** Whether the room's counter was set for this message already (it is tried once more). */
  seeded?: boolean;
}

/** The socket app's side of the log: stores each message once (see APPEND_SCRIPT). */
@Injectable()
export class MessageAppender {
  private readonly redis: ScriptClient;
  /** Appends of this turn of the event loop, sent together by flushAppends. */
  private pending: PendingAppend[] = [];
  /**
   * Rooms whose counter is being set (see seedCounter), with the appends waiting for it in the
   * order they were made: they are sent again in that order, so one sender's messages keep
   * their order in the room.
   */
  private readonly seeding = new Map<string, PendingAppend[]>();

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
  ) {
    this.redis = withScripts(redis);
  }

  /**
   * Stores the message, or finds the one stored before under the same (sender, clientMsgId).
   * Appends made in the same turn of the event loop share one script call (see APPEND_SCRIPT).
   */
  append(draft: MessageDraft): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const item = { draft, json: encodeDraft(draft), resolve, reject };
      const waiting = this.seeding.get(draft.roomId);
      if (waiting) waiting.push(item);
      else this.enqueue([item]);
    });
  }

  private enqueue(items: PendingAppend[]): void {
    if (!items.length) return;
    const first = this.pending.length === 0;
    this.pending.push(...items);
    if (first) setImmediate(() => this.flushAppends());
  }

  private flushAppends(): void {
    const pending = this.pending;
    this.pending = [];
    // A cluster refuses a script whose keys are in more than one slot: one call per partition.
    const groups = new Map<number, PendingAppend[]>();
    const cluster = this.redis instanceof Cluster;
    for (const item of pending) {
      const key = cluster ? partitionOf(item.draft.roomId) : 0;
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
    for (const group of groups.values())
      for (let i = 0; i < group.length; i += MAX_APPEND_BATCH)
        void this.appendBatch(group.slice(i, i + MAX_APPEND_BATCH));
  }

  private async appendBatch(batch: PendingAppend[]): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [STREAM_FIELD, this.config.IDEMPOTENCY_TTL_SEC];
    for (const { draft, json } of batch) {
      keys.push(
        RedisKeys.roomStream(draft.roomId),
        RedisKeys.idempotency(draft.roomId, draft.senderId, draft.clientMsgId),
        RedisKeys.dirtyRoomsOf(draft.roomId),
        RedisKeys.legacyIdempotency(draft.roomId, draft.senderId, draft.clientMsgId),
        RedisKeys.roomSeq(draft.roomId),
      );
      args.push(json, draft.roomId, RedisKeys.roomChannel(draft.roomId));
    }
    let reply: (number | string)[];
    try {
      reply = await this.redis.chatAppend(keys.length, ...keys, ...args);
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const status = reply[2 * i];
      const value = reply[2 * i + 1];
      if (typeof value !== 'string') item.reject(new Error('append script: no reply for the message'));
      else if (status === -1) this.waitForCounter(item);
      else item.resolve({ ...parseMessageRecord(value), duplicate: status === 0 });
    });
  }

  /**
   * The room had no counter: sets it from what MongoDB and the stream hold, then sends the
   * room's waiting appends again, in order. An append that finds no counter a second time (it
   * was deleted again at once) fails; the send is safe to retry.
   */
  private waitForCounter(item: PendingAppend): void {
    const roomId = item.draft.roomId;
    if (item.seeded) {
      item.reject(new Error(`the message counter of room ${roomId} could not be set`));
      return;
    }
    const waiting = this.seeding.get(roomId);
    if (waiting) {
      waiting.push(item);
      return;
    }
    this.seeding.set(roomId, [item]);
    this.seedCounter(roomId).then(
      () => {
        const items = this.seeding.get(roomId) ?? [];
        this.seeding.delete(roomId);
        for (const waiter of items) waiter.seeded = true;
        this.enqueue(items);
      },
      (error: unknown) => {
        const items = this.seeding.get(roomId) ?? [];
        this.seeding.delete(roomId);
        for (const waiter of items) waiter.reject(error);
      },
    );
  }

  /** Sets the room's counter, unless it exists, to the highest number given in the room so far. */
  async seedCounter(roomId: string): Promise<void> {
    await seedCounter(this.redis, this.messages, roomId);
  }

  /** The message already stored for (sender, clientMsgId), if any: lets a retried file send skip its upload. */
  async findDuplicate(roomId: string, senderId: string, clientMsgId: string): Promise<AppendResult | null> {
    const value = await this.redis.get(RedisKeys.idempotency(roomId, senderId, clientMsgId));
    if (value === null) return null;
    return { ...parseMessageRecord(value), duplicate: true };
  }
}
