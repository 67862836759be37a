import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  LayoutChange,
  LayoutMigrations,
  MessagesRepository,
  RoomsRepository,
  UsersRepository,
  type LayoutChangeName,
} from '@chat/database';
import { DrainQueue } from '@chat/message-log';
import { IntervalJob } from '../schedule/interval-job.js';

/** How soon a migration that failed (MongoDB away) is tried again. */
const RETRY_MS = 60_000;

/**
 * Brings an existing database up to the current data layout (see LayoutMigrations): runs each
 * unfinished migration once the app is up, without holding up its start, and records it when it
 * has finished. Every migration is idempotent, so several workers may run them at once, and a
 * worker stopped half-way starts that migration again at its next start.
 */
@Injectable()
export class LayoutMigrationJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LayoutMigrationJob.name);
  private readonly job: IntervalJob<boolean>;
  private readonly migrations: Record<LayoutChangeName, () => Promise<number>>;

  constructor(
    private readonly layout: LayoutMigrations,
    users: UsersRepository,
    rooms: RoomsRepository,
    messages: MessagesRepository,
    queue: DrainQueue,
    scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.job = new IntervalJob(scheduler, 'layout-migrations', this.logger);
    this.migrations = {
      [LayoutChange.usernameKeys]: () => users.keyAllUsernames(),
      [LayoutChange.userRooms]: () => rooms.copyMembershipsToRoomLists(),
      [LayoutChange.messageNumbers]: async () => {
        // Entries appended by the release before numbers are numbered once persisted: wait
        // for the drain to have moved them.
        const waiting = await queue.countUnnumbered();
        if (waiting) throw new Error(`the streams still hold ${waiting} messages without numbers`);
        const lowest = await messages.numberUnnumbered();
        await rooms.markNumbered(lowest);
        return [...lowest.values()].reduce((sum, from) => sum - from, 0);
      },
    };
  }

  onApplicationBootstrap(): void {
    if (!this.config.LAYOUT_MIGRATIONS) return;
    void this.run();
    this.job.every(RETRY_MS, () => this.run());
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  /** Runs the unfinished migrations; resolves true when all have finished. */
  run(): Promise<boolean> {
    return this.job.once(async () => {
      let all = true;
      for (const [name, migrate] of Object.entries(this.migrations) as [
        LayoutChangeName,
        () => Promise<number>,
      ][]) {
        if (this.job.stopping) return false;
        try {
          if (await this.layout.isFinished(name)) continue;
          const started = Date.now();
          const count = await migrate();
          await this.layout.markFinished(name);
          this.logger.log(
            `layout migration ${name} finished: ${count} records in ${Date.now() - started} ms`,
          );
        } catch (error) {
          all = false;
          this.logger.warn(`layout migration ${name} failed, retrying later: ${(error as Error).message}`);
        }
      }
      return all;
    });
  }
}
