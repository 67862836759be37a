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
import { PoisonEntryError, decodeDraft, draftToMessage, type Message } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { MetricsService } from '@chat/observability';
import { DrainQueue } from '@chat/message-log';
import {
  SpanKind,
  correlationId,
  inSpan,
  sampledContext,
  tracer,
  type Context,
  type Span,
} from '@chat/tracing';
import { IntervalJob } from '../schedule/interval-job.js';
import { backoffDelay } from './backoff.js';

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
 *
 * Several workers share the rooms through per-room leases: each batch drains only rooms this
 * worker could lease. A dead worker's leases expire (WORKER_LEASE_MS) and others take over.
 * The lease saves work; it is not what keeps the data exact (see above), so a worker that
 * outlives its lease can only repeat work, never lose or double a message.
 */
@Injectable()
export class DrainStreamJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DrainStreamJob.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly job: IntervalJob;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private readonly persisted;
  private readonly retries;
  private readonly deadLetters;
  private readonly batchSeconds;
  private readonly batchSize;

  constructor(
    private readonly stream: DrainQueue,
    private readonly messages: MessagesRepository,
    scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.persisted = metrics.counter('chat_worker_persisted_total', 'Messages inserted into MongoDB');
    this.retries = metrics.counter('chat_worker_retries_total', 'Failed drain runs, retried after a backoff');
    this.deadLetters = metrics.counter(
      'chat_worker_dead_letters_total',
      'Undecodable entries moved to the dead-letter stream',
    );
    this.batchSeconds = metrics.histogram(
      'chat_worker_batch_seconds',
      'Time of one drain batch',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.batchSize = metrics.histogram(
      'chat_worker_batch_size',
      'Entries read per drain batch',
      [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    );
    this.job = new IntervalJob(scheduler, 'drain-stream', this.logger);
  }

  onApplicationBootstrap(): void {
    this.job.every(this.config.WORKER_INTERVAL_MS, () => this.tick());
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Never overlaps itself; after a failure waits out an exponential backoff with jitter. */
  tick(): void {
    if (this.job.busy || Date.now() < this.retryAt) return;
    void this.job.once(() =>
      this.drainAvailable()
        .then(() => {
          this.consecutiveFailures = 0;
        })
        .catch((error: Error) => {
          this.consecutiveFailures++;
          const delay = backoffDelay(
            this.consecutiveFailures,
            this.config.WORKER_BACKOFF_BASE_MS,
            this.config.WORKER_BACKOFF_MAX_MS,
          );
          this.retryAt = Date.now() + delay;
          this.retries.inc();
          this.logger.warn(
            `drain failed (${this.consecutiveFailures} in a row), entries stay in the stream; retry in ${delay} ms: ${error.message}`,
          );
        }),
    );
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
    const candidates = await this.stream.dirtyRooms(this.config.WORKER_MAX_ROOMS_PER_BATCH);
    if (!candidates.length) return result;
    const rooms = await this.stream.claimRooms(candidates, this.workerId, this.config.WORKER_LEASE_MS);
    if (!rooms.length) return result;
    try {
      await this.drainRooms(rooms, result);
    } finally {
      await this.stream.releaseRooms(rooms, this.workerId).catch(() => undefined);
    }
    return result;
  }

  /** One batch is one span; the MongoDB and Redis calls of the batch are its children. */
  private drainRooms(rooms: string[], result: DrainResult): Promise<void> {
    return inSpan('worker.drain', { attributes: { 'chat.rooms': rooms.length } }, (span) =>
      this.drainBatch(rooms, result, span),
    );
  }

  private async drainBatch(rooms: string[], result: DrainResult, batchSpan: Span): Promise<void> {
    const stopTimer = this.batchSeconds.startTimer();
    const perRoom = Math.max(10, Math.ceil(this.config.WORKER_BATCH_SIZE / rooms.length));
    const entriesByRoom = await this.stream.readOldest(rooms, perRoom);

    const messages: Message[] = [];
    const traced: Array<{ id: string; parent: Context }> = [];
    const cids: Array<string | undefined> = [];
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
          const draft = decodeDraft(id, fields);
          messages.push(draftToMessage(id, draft));
          cids.push(correlationId(draft.trace));
          const parent = sampledContext(draft.trace);
          if (parent) traced.push({ id, parent });
        } catch (error) {
          if (!(error instanceof PoisonEntryError)) throw error;
          if (await this.stream.deadLetter(roomId, id, fields, error.message)) {
            this.logger.warn({ roomId, entryId: id }, `dead-lettered: ${error.message}`);
            result.deadLettered++;
          }
        }
      }
    }

    // Each sampled message's trace gets its persist step, linked to the batch that carried it.
    const batchLink = [{ context: batchSpan.spanContext() }];
    const persistSpans = traced.map(({ id, parent }) =>
      tracer.startSpan(
        'chat.persist',
        { kind: SpanKind.CONSUMER, links: batchLink, attributes: { 'chat.message_id': id } },
        parent,
      ),
    );
    const { inserted, duplicates } = await this.messages.insertMany(messages).finally(() => {
      for (const span of persistSpans) span.end();
    });
    if (batchSpan.isRecording())
      batchSpan.setAttributes({ 'chat.inserted': inserted, 'chat.duplicates': duplicates });
    // Serialised only when LOG_LEVEL=debug: the correlation ids tie a message's worker step to
    // its socket and file log lines.
    this.logger.debug({ cids, inserted, duplicates }, 'batch persisted');
    result.inserted = inserted;
    result.duplicates = duplicates;
    await this.stream.delete(doneIds);
    if (emptyRooms.length) await this.stream.markClean(emptyRooms);

    this.persisted.inc(inserted);
    this.deadLetters.inc(result.deadLettered);
    this.batchSize.observe(result.read);
    stopTimer();
  }
}
