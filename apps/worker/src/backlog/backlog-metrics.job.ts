import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MetricsService } from '@chat/observability';
import { DrainQueue, type Backlog } from '@chat/message-log';
import { LiveStatsRepository } from '@chat/redis';
import { IntervalJob } from '../schedule/interval-job.js';

/**
 * Exports how much is acked but not yet in MongoDB, and how old the oldest such message is:
 * the two figures that say whether the write-behind path keeps up (alert on the age).
 */
@Injectable()
export class BacklogMetricsJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BacklogMetricsJob.name);
  private readonly messages;
  private readonly rooms;
  private readonly oldestAge;
  private readonly job: IntervalJob;
  private running = false;

  constructor(
    private readonly stream: DrainQueue,
    private readonly live: LiveStatsRepository,
    scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.messages = metrics.gauge(
      'chat_stream_backlog_messages',
      'Acked messages not yet persisted to MongoDB',
    );
    this.rooms = metrics.gauge('chat_stream_backlog_rooms', 'Rooms with unpersisted messages');
    this.oldestAge = metrics.gauge(
      'chat_stream_oldest_unpersisted_age_seconds',
      'Age of the oldest acked message not yet persisted (0 when none)',
    );
    this.job = new IntervalJob(scheduler, 'backlog-metrics', this.logger);
  }

  onApplicationBootstrap(): void {
    this.job.every(this.config.BACKLOG_METRICS_INTERVAL_MS, () => this.refresh());
    void this.refresh();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** The figures now; null when they are unavailable or a refresh is already running. */
  async refresh(): Promise<Backlog | null> {
    if (this.running) return null;
    this.running = true;
    try {
      const backlog = await this.stream.backlog();
      this.messages.set(backlog.messages);
      this.rooms.set(backlog.rooms);
      const now = Date.now();
      const oldestAgeSec = backlog.oldestMs === null ? 0 : Math.max(0, (now - backlog.oldestMs) / 1000);
      this.oldestAge.set(oldestAgeSec);
      // The admins' live stats show the same figures.
      await this.live.reportBacklog({
        at: now,
        messages: backlog.messages,
        rooms: backlog.rooms,
        oldestAgeSec,
      });
      return backlog;
    } catch (error) {
      this.logger.warn(`backlog metrics unavailable: ${(error as Error).message}`);
      return null;
    } finally {
      this.running = false;
    }
  }
}
