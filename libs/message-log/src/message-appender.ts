import { Inject, Injectable } from '@nestjs/common';
import { Cluster } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { STREAM_FIELD, encodeDraft, type MessageDraft } from '@chat/contracts';
import { REDIS, RedisKeys, partitionOf, type RedisClient } from '@chat/redis';
import { parseMessageRecord, withScripts, type AppendResult, type ScriptClient } from './room-streams.js';

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
}

/** The socket app's side of the log: stores each message once (see APPEND_SCRIPT). */
@Injectable()
export class MessageAppender {
  private readonly redis: ScriptClient;
  /** Appends of this turn of the event loop, sent together by flushAppends. */
  private pending: PendingAppend[] = [];

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis = withScripts(redis);
  }

  /**
   * Stores the message, or finds the one stored before under the same (sender, clientMsgId).
   * Appends made in the same turn of the event loop share one script call (see APPEND_SCRIPT).
   */
  append(draft: MessageDraft): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ draft, json: encodeDraft(draft), resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flushAppends());
    });
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
      const created = reply[2 * i];
      const value = reply[2 * i + 1];
      if (typeof value !== 'string') item.reject(new Error('append script: no reply for the message'));
      else if (created === 1) item.resolve({ id: value, draft: item.draft, duplicate: false });
      else item.resolve({ ...parseMessageRecord(value), duplicate: true });
    });
  }

  /** The message already stored for (sender, clientMsgId), if any: lets a retried file send skip its upload. */
  async findDuplicate(roomId: string, senderId: string, clientMsgId: string): Promise<AppendResult | null> {
    const value = await this.redis.get(RedisKeys.idempotency(roomId, senderId, clientMsgId));
    if (value === null) return null;
    return { ...parseMessageRecord(value), duplicate: true };
  }
}
