import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { FilesRepository, MessagesRepository } from '@chat/database';
import { MetricsService } from '@chat/observability';
import { FileDeleteClient } from './file-delete.client.js';

/** Pause between delete batches, so other queries get the database in between. */
const PAUSE_BETWEEN_BATCHES_MS = 50;

/**
 * Deletes messages older than RETENTION_MESSAGE_DAYS (0 = keep forever) and files past their
 * expiry (FILE_RETENTION_DAYS at upload), in bounded batches. Files are deleted through the file
 * service's Delete RPC, which owns the storage: bytes first, then metadata, so a crash leaves at
 * worst metadata that the next run deletes. Idempotent: a run that dies half-way is finished by
 * the next. A message whose file is gone still reads fine; its link answers 404.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionJob.name);
  private readonly deleted;
  private running: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly files: FilesRepository,
    private readonly scheduler: SchedulerRegistry,
    private readonly fileService: FileDeleteClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.deleted = metrics.counter('chat_retention_deleted_total', 'Messages deleted by retention', ['kind']);
  }

  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      'retention',
      setInterval(() => void this.run(), this.config.RETENTION_INTERVAL_SEC * 1000),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', 'retention')) this.scheduler.deleteInterval('retention');
    await this.running;
  }

  /** Deletes up to a batch of expired files at a time; returns how many. */
  runFiles(now = new Date()): Promise<number> {
    return this.purgeFiles(now);
  }

  private async purgeFiles(now: Date): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const expired = await this.files.expired(now, this.config.RETENTION_BATCH_SIZE);
        if (!expired.length) break;
        for (const file of expired) {
          await this.fileService.delete(file._id);
          total++;
          this.deleted.inc({ kind: 'file' });
        }
        if (expired.length < this.config.RETENTION_BATCH_SIZE || this.stopping) break;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
      }
    } catch (error) {
      this.logger.warn(
        `file retention stopped after ${total} deletions, the next run continues: ${(error as Error).message}`,
      );
    }
    if (total) this.logger.log(`retention deleted ${total} expired files`);
    return total;
  }

  /** Runs both purges; returns how many messages were deleted. Concurrent calls share one run. */
  run(now = new Date()): Promise<number> {
    this.running ??= Promise.all([this.purge(now), this.purgeFiles(now)])
      .then(([messages]) => messages)
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async purge(now: Date): Promise<number> {
    if (this.config.RETENTION_MESSAGE_DAYS <= 0) return 0;
    const cutoff = new Date(now.getTime() - this.config.RETENTION_MESSAGE_DAYS * 86_400_000);
    let total = 0;
    try {
      for (;;) {
        const count = await this.messages.deleteOlderThan(cutoff, this.config.RETENTION_BATCH_SIZE);
        total += count;
        this.deleted.inc({ kind: 'message' }, count);
        if (count < this.config.RETENTION_BATCH_SIZE || this.stopping) break;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
      }
    } catch (error) {
      this.logger.warn(
        `retention stopped after ${total} deletions, the next run continues: ${(error as Error).message}`,
      );
    }
    if (total) this.logger.log(`retention deleted ${total} messages older than ${cutoff.toISOString()}`);
    return total;
  }
}
