import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { IntervalJob } from './interval-job.js';

function job<T = void>(): { job: IntervalJob<T>; scheduler: SchedulerRegistry; warnings: string[] } {
  const scheduler = new SchedulerRegistry();
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) } as unknown as Logger;
  return { job: new IntervalJob<T>(scheduler, 'test', logger), scheduler, warnings };
}

describe('IntervalJob', () => {
  it('shares one run between concurrent calls, and starts a new one after it', async () => {
    const { job: j } = job<number>();
    let started = 0;
    let finish!: () => void;
    const work = () => {
      started++;
      return new Promise<number>((resolve) => (finish = () => resolve(started)));
    };
    const first = j.once(work);
    const second = j.once(work);
    expect(j.busy).toBe(true);
    finish();
    expect(await Promise.all([first, second])).toEqual([1, 1]);
    expect(j.busy).toBe(false);
    const third = j.once(work);
    finish();
    expect(await third).toBe(2);
  });

  it('on stop removes its interval, tells the run and waits for it', async () => {
    const { job: j, scheduler } = job();
    j.every(60_000, () => undefined);
    expect(scheduler.doesExist('interval', 'test')).toBe(true);
    let finish!: () => void;
    let finished = false;
    void j.once(() => new Promise<void>((resolve) => (finish = resolve)).then(() => void (finished = true)));
    const stopped = j.stop();
    expect(j.stopping).toBe(true);
    expect(scheduler.doesExist('interval', 'test')).toBe(false);
    finish();
    await stopped;
    expect(finished).toBe(true);
  });

  it('runs batches until a short one, or until stopped', async () => {
    const { job: j } = job();
    const sizes = [3, 3, 1, 3];
    let calls = 0;
    await j.inBatches(
      'test',
      3,
      async () => sizes[calls++]!,
      () => 0,
    );
    expect(calls).toBe(3);

    calls = 0;
    await j.stop();
    await j.inBatches(
      'test',
      3,
      async () => sizes[calls++]!,
      () => 0,
    );
    expect(calls).toBe(1);
  });

  it('ends the batches at a failure with a warning that says how far they got', async () => {
    const { job: j, warnings } = job();
    let deleted = 0;
    await j.inBatches(
      'purge',
      2,
      async () => {
        if (deleted === 4) throw new Error('database gone');
        deleted += 2;
        return 2;
      },
      () => deleted,
    );
    expect(warnings).toEqual(['purge stopped after 4 deletions, the next run continues: database gone']);
  });
});
