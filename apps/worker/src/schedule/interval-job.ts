import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/** Pause between batches, so other queries get the database in between. */
const PAUSE_BETWEEN_BATCHES_MS = 50;

/**
 * What every worker job shares: a named interval in Nest's SchedulerRegistry, one run at a time,
 * and a shutdown that removes the interval, asks the run in progress to stop after its batch and
 * waits for it, so the app never closes a client under a run.
 */
export class IntervalJob<T = void> {
  private running: Promise<T> | null = null;
  private stopped = false;

  constructor(
    private readonly scheduler: SchedulerRegistry,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** True once stop() was called: a run ends after its current batch. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Whether a run started through once() is in progress. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Calls `tick` every `everyMs` until stop(). */
  every(everyMs: number, tick: () => unknown): void {
    this.scheduler.addInterval(
      this.name,
      setInterval(() => void tick(), everyMs),
    );
  }

  /** Starts `work` unless a run is in progress; concurrent calls share that run. */
  once(work: () => Promise<T>): Promise<T> {
    this.running ??= work().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', this.name)) this.scheduler.deleteInterval(this.name);
    await this.running;
  }

  /**
   * Calls `batch` until it handles fewer than `size` items (the last batch) or the job is
   * stopping, pausing in between. A failure ends the loop with a warning instead of throwing:
   * every batch is idempotent, so the next run continues where this one stopped. `what` and
   * `deletions` name the loop and its progress in that warning.
   */
  async inBatches(
    what: string,
    size: number,
    batch: () => Promise<number>,
    deletions: () => number,
  ): Promise<void> {
    try {
      for (;;) {
        if ((await batch()) < size || this.stopped) return;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_BATCHES_MS));
      }
    } catch (error) {
      this.logger.warn(
        `${what} stopped after ${deletions()} deletions, the next run continues: ${(error as Error).message}`,
      );
    }
  }
}
