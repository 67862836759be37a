import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { FileUrlSigner } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MessageReader } from '@chat/message-log';
import {
  AppError,
  ErrorCode,
  SocketEvent,
  compareStreamIds,
  type Message,
  type RoomJoinResult,
} from '@chat/contracts';
import { MetricsService } from '@chat/observability';
import { terminate, whenFlushed } from '../transport/engine-writes.js';
import { RoomFeed } from './room-feed.service.js';

// Large pages: on FerretDB every MongoDB range read scans, so fewer reads matter more than their size.
const REPLAY_PAGE = 2000;
/** How often (in messages) the replay looks at what the connection still holds unsent. */
const FLUSH_CHECK_EVERY = 32;

/**
 * `room:join` with lastMessageId: the socket gets every message after it, then live ones, in
 * order, with no gap and no duplicate, on whichever instance it lands and whatever restarted.
 *
 * The room's live feed must already be acquired. Live messages are tapped into a buffer BEFORE
 * the first read, so each message is either read (it was stored before that read) or tapped (it
 * was published after the subscription was live), or both. The pages are emitted, then the
 * buffered messages newer than the last page, and the socket joins the room in the same tick:
 * no live message can slip between the replay and the live stream.
 *
 * The replay goes at the client's pace: once the connection holds REPLAY_MAX_BUFFERED_BYTES it
 * has not read, the replay waits until the client takes it, so a client that stops reading
 * costs the server that much, not the whole gap; one that reads nothing for
 * SOCKET_STALL_TIMEOUT_MS is disconnected (it resumes from its lastMessageId when it returns).
 * Live messages that arrive meanwhile wait in the tap's buffer, at most RECOVERY_MAX_MESSAGES.
 */
@Injectable()
export class RecoveryService {
  private readonly maxMessages: number;
  private readonly maxBuffered: number;
  private readonly stallMs: number;
  private readonly replayed;

  constructor(
    private readonly feed: RoomFeed,
    private readonly replay: MessageReader,
    private readonly signer: FileUrlSigner,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
  ) {
    this.maxMessages = config.RECOVERY_MAX_MESSAGES;
    this.maxBuffered = config.REPLAY_MAX_BUFFERED_BYTES;
    this.stallMs = config.SOCKET_STALL_TIMEOUT_MS;
    this.replayed = metrics.counter('chat_recovery_replayed_total', 'Messages replayed by room:join');
  }

  async joinAfter(socket: Socket, roomId: string, lastMessageId: string): Promise<RoomJoinResult> {
    const live: Message[] = [];
    let overflowed = false;
    const untap = this.feed.tap(roomId, (message) => {
      if (live.length < this.maxMessages) live.push(message);
      else overflowed = true;
    });
    let sent = 0;
    const emit = async (message: Message) => {
      socket.emit(SocketEvent.ChatMessage, message);
      if (++sent % FLUSH_CHECK_EVERY === 0) await this.paced(socket);
    };
    try {
      let cursor = lastMessageId;
      let replayed = 0;
      for (;;) {
        const page = await this.replay.after(roomId, cursor, REPLAY_PAGE);
        if (replayed + page.length > this.maxMessages) {
          // Too far behind to replay: the client reloads history over REST; live starts now.
          void socket.join(roomId);
          return { replayed, recovered: false };
        }
        for (const message of page) await emit(this.signer.withUrl(message));
        replayed += page.length;
        if (page.length) cursor = page[page.length - 1].id;
        if (page.length < REPLAY_PAGE) break;
      }
      // The tap keeps filling while this waits for the client: read it by index.
      for (let i = 0; i < live.length; i++) {
        const message = live[i]!;
        if (compareStreamIds(message.id, cursor) <= 0) continue;
        await emit(message);
        cursor = message.id;
        replayed++;
      }
      if (overflowed) {
        // More arrived during the replay than may wait: the client reloads the gap over REST.
        void socket.join(roomId);
        return { replayed, recovered: false };
      }
      void socket.join(roomId);
      this.replayed.inc(replayed);
      return { replayed, recovered: true };
    } finally {
      untap();
    }
  }

  /** Waits while the connection holds more than the bound; disconnects a client that stalls. */
  private async paced(socket: Socket): Promise<void> {
    try {
      await whenFlushed(socket.conn, this.maxBuffered, this.stallMs);
    } catch (error) {
      terminate(socket.conn);
      throw new AppError(ErrorCode.UNAVAILABLE, `replay stopped: ${(error as Error).message}`);
    }
  }
}
