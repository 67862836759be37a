import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MessagesRepository } from '@chat/database';
import { MetricsService } from '@chat/observability';

/** Pause between delete batches, so other queries get the database in between. */
const PAUSE_BETWEEN_BATCHES_MS = 50;

/**
 * Deletes messages older than RETENTION_MESSAGE_DAYS (0 = keep forever) in bounded batches.
 * Idempotent: a run that dies half-way is finished by the next. Files past their expiry join
 * this job when the file service lands.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionJob.name);
  private readonly deleted;
  private running: Promise<number> | null = null;
  private stopping = false;

  constructor(
    private readonly messages: MessagesRepository,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.deleted = metrics.counter('chat_retention_deleted_total', 'Messages deleted by retention', ['kind']);
  }

  onApplicationBootstrap(): void {
    if (this.config.RETENTION_MESSAGE_DAYS <= 0) return;
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

  /** Returns how many messages were deleted; concurrent calls share one run. */
  run(now = new Date()): Promise<number> {
    this.running ??= this.purge(now).finally(() => {
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
