import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { FilesRepository, LayoutChange, LayoutMigrations, MessagesRepository } from '@chat/database';
import { PageVersions } from '@chat/message-log';
import { MetricsService } from '@chat/observability';
import { IntervalJob } from '../schedule/interval-job.js';
import { FileDeleteClient } from './file-delete.client.js';

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
  private readonly job: IntervalJob<number>;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly files: FilesRepository,
    private readonly layout: LayoutMigrations,
    private readonly pageVersions: PageVersions,
    scheduler: SchedulerRegistry,
    private readonly fileService: FileDeleteClient,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.deleted = metrics.counter('chat_retention_deleted_total', 'Messages deleted by retention', ['kind']);
    this.job = new IntervalJob(scheduler, 'retention', this.logger);
  }

  onApplicationBootstrap(): void {
    this.job.every(this.config.RETENTION_INTERVAL_SEC * 1000, () => this.run());
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Deletes up to a batch of expired files at a time; returns how many. */
  runFiles(now = new Date()): Promise<number> {
    return this.purgeFiles(now);
  }

  private async purgeFiles(now: Date): Promise<number> {
    let total = 0;
    await this.job.inBatches(
      'file retention',
      this.config.RETENTION_BATCH_SIZE,
      async () => {
        const expired = await this.files.expired(now, this.config.RETENTION_BATCH_SIZE);
        for (const file of expired) {
          await this.fileService.delete(file._id);
          total++;
          this.deleted.inc({ kind: 'file' });
        }
        return expired.length;
      },
      () => total,
    );
    if (total) this.logger.log(`retention deleted ${total} expired files`);
    return total;
  }

  /** Runs both purges; returns how many messages were deleted. Concurrent calls share one run. */
  run(now = new Date()): Promise<number> {
    return this.job.once(() =>
      Promise.all([this.purge(now), this.purgeFiles(now)]).then(([messages]) => messages),
    );
  }

  private async purge(now: Date): Promise<number> {
    if (this.config.RETENTION_MESSAGE_DAYS <= 0) return 0;
    const cutoff = new Date(now.getTime() - this.config.RETENTION_MESSAGE_DAYS * 86_400_000);
    let total = 0;
    await this.job.inBatches(
      'retention',
      this.config.RETENTION_BATCH_SIZE,
      async () => {
        const numberedOnly = !(await this.layout.isFinished(LayoutChange.messageNumbers));
        const { deleted: count, rooms } = await this.messages.deleteOlderThan(
          cutoff,
          this.config.RETENTION_BATCH_SIZE,
          numberedOnly,
        );
        // Readers stop using pages they keep of these rooms (a run that stops before this
        // leaves them for at most the cache's time limit).
        await this.pageVersions.changed(rooms);
        total += count;
        this.deleted.inc({ kind: 'message' }, count);
        return count;
      },
      () => total,
    );
    if (total) this.logger.log(`retention deleted ${total} messages older than ${cutoff.toISOString()}`);
    return total;
  }
}
