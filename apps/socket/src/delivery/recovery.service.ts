import { Inject, Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { FileUrlSigner } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { SocketEvent, compareStreamIds, type Message, type RoomJoinResult } from '@chat/contracts';
import { MetricsService } from '@chat/observability';
import { ReplayService } from './replay.service.js';
import { RoomFeed } from './room-feed.service.js';

// Large pages: on FerretDB every MongoDB range read scans, so fewer reads matter more than their size.
const REPLAY_PAGE = 2000;

/**
 * `room:join` with lastMessageId: the socket gets every message after it, then live ones, in
 * order, with no gap and no duplicate, on whichever instance it lands and whatever restarted.
 *
 * The room's live feed must already be acquired. Live messages are tapped into a buffer BEFORE
 * the first read, so each message is either read (it was stored before that read) or tapped (it
 * was published after the subscription was live), or both. The pages are emitted, then the
 * buffered messages newer than the last page, and the socket joins the room in the same tick:
 * no live message can slip between the replay and the live stream.
 */
@Injectable()
export class RecoveryService {
  private readonly maxMessages: number;
  private readonly replayed;

  constructor(
    private readonly feed: RoomFeed,
    private readonly replay: ReplayService,
    private readonly signer: FileUrlSigner,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
  ) {
    this.maxMessages = config.RECOVERY_MAX_MESSAGES;
    this.replayed = metrics.counter('chat_recovery_replayed_total', 'Messages replayed by room:join');
  }

  async joinAfter(socket: Socket, roomId: string, lastMessageId: string): Promise<RoomJoinResult> {
    const live: Message[] = [];
    const untap = this.feed.tap(roomId, (message) => live.push(message));
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
        for (const message of page) socket.emit(SocketEvent.ChatMessage, this.signer.withUrl(message));
        replayed += page.length;
        if (page.length) cursor = page[page.length - 1].id;
        if (page.length < REPLAY_PAGE) break;
      }
      for (const message of live) {
        if (compareStreamIds(message.id, cursor) <= 0) continue;
        socket.emit(SocketEvent.ChatMessage, message);
        cursor = message.id;
        replayed++;
      }
      void socket.join(roomId);
      this.replayed.inc(replayed);
      return { replayed, recovered: true };
    } finally {
      untap();
    }
  }
}
