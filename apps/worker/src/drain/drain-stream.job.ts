import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { PoisonEntryError, decodeEntry, type Message } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { MetricsService } from '@chat/observability';
import { ChatStreamRepository } from '@chat/redis';

export interface DrainResult {
  read: number;
  inserted: number;
  duplicates: number;
  deadLettered: number;
}

/** One run never holds the event loop past this: the next tick continues. */
const RUN_BUDGET_MS = 2000;

/**
 * Write-behind: XRANGE a batch from the dirty rooms' streams, insertMany (unordered) into MongoDB,
 * then XDEL exactly what was inserted. An entry is removed from Redis only after MongoDB has it,
 * and the unique _id (room + stream id) turns a repeated insert into a tolerated duplicate,
 * so a crash anywhere in between loses nothing and doubles nothing.
 */
@Injectable()
export class DrainStreamJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DrainStreamJob.name);
  private running: Promise<void> | null = null;
  private readonly persisted;
  private readonly failures;
  private readonly deadLetters;
  private readonly batchSeconds;

  constructor(
    private readonly stream: ChatStreamRepository,
    private readonly messages: MessagesRepository,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.persisted = metrics.counter('chat_worker_persisted_total', 'Messages inserted into MongoDB');
    this.failures = metrics.counter(
      'chat_worker_batch_failures_total',
      'Batches left in the stream after an error',
    );
    this.deadLetters = metrics.counter(
      'chat_worker_dead_letters_total',
      'Undecodable entries moved to the dead-letter stream',
    );
    this.batchSeconds = metrics.histogram(
      'chat_worker_batch_seconds',
      'Time of one drain batch',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
  }

  onApplicationBootstrap(): void {
    const interval = setInterval(() => this.tick(), this.config.WORKER_INTERVAL_MS);
    this.scheduler.addInterval('drain-stream', interval);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', 'drain-stream')) this.scheduler.deleteInterval('drain-stream');
    await this.running;
  }

  /** Never overlaps itself: a tick while a run is in progress does nothing. */
  tick(): void {
    if (this.running) return;
    this.running = this.drainAvailable()
      .catch((error: Error) => {
        this.failures.inc();
        this.logger.warn(`drain failed, entries stay in the stream for the next run: ${error.message}`);
      })
      .finally(() => {
        this.running = null;
      });
  }

  /** Drains batches until the streams are empty or the run's time budget is spent. */
  async drainAvailable(): Promise<void> {
    const deadline = Date.now() + RUN_BUDGET_MS;
    while (Date.now() < deadline) {
      const result = await this.drainOnce();
      if (result.read === 0) return;
    }
  }

  async drainOnce(): Promise<DrainResult> {
    const result: DrainResult = { read: 0, inserted: 0, duplicates: 0, deadLettered: 0 };
    const rooms = await this.stream.dirtyRooms(this.config.WORKER_MAX_ROOMS_PER_BATCH);
    if (!rooms.length) return result;
    const stopTimer = this.batchSeconds.startTimer();
    const perRoom = Math.max(10, Math.ceil(this.config.WORKER_BATCH_SIZE / rooms.length));
    const entriesByRoom = await this.stream.readOldest(rooms, perRoom);

    const messages: Message[] = [];
    const doneIds = new Map<string, string[]>();
    const emptyRooms: string[] = [];
    for (const [roomId, entries] of entriesByRoom) {
      if (entries.length < perRoom) emptyRooms.push(roomId);
      const ids: string[] = [];
      doneIds.set(roomId, ids);
      for (const [id, fields] of entries) {
        result.read++;
        ids.push(id);
        try {
          messages.push(decodeEntry(id, fields));
        } catch (error) {
          if (!(error instanceof PoisonEntryError)) throw error;
          await this.stream.deadLetter(roomId, id, fields, error.message);
          result.deadLettered++;
        }
      }
    }

    const { inserted, duplicates } = await this.messages.insertMany(messages);
    result.inserted = inserted;
    result.duplicates = duplicates;
    await this.stream.delete(doneIds);
    if (emptyRooms.length) await this.stream.markClean(emptyRooms);

    this.persisted.inc(inserted);
    this.deadLetters.inc(result.deadLettered);
    stopTimer();
    return result;
  }
}
