import { waitUntil, type Truthy } from '../../scripts/harness.mjs';

/**
 * Time limits of the long tests, built from their phases. Each phase runs under its own budget,
 * so a slow machine fails with the phase's name (or the condition it was waiting for) instead of
 * Jest's bare timeout; the Jest timeout is the sum of the budgets plus a margin, so it only fires
 * when something outside every phase hangs. Budgets are generous: they bound a hang, not speed.
 */

/** Added to the sum of the budgets, so a phase's own error is what a slow run reports. */
const MARGIN_MS = 10_000;
/** A phase's wait fails at the phase's deadline and names its condition: let it speak first. */
const OVERRUN_GRACE_MS = 1_000;

export interface Phase {
  readonly name: string;
  readonly deadline: number;
  /** `waitUntil` with the phase's deadline, naming `what` and the phase when it times out. */
  waitFor<T>(what: string, check: () => T | Promise<T>, intervalMs?: number): Promise<Truthy<T>>;
}

export interface Phases<K extends string> {
  /** The Jest timeout of the test or hook that runs these phases. */
  readonly totalMs: number;
  readonly budgetMs: Readonly<Record<K, number>>;
  /** Runs `work` as phase `name`; fails when it outlasts the phase's budget. */
  run<T>(name: K, work: (phase: Phase) => Promise<T>): Promise<T>;
}

export function phases<K extends string>(budgetMs: Record<K, number>): Phases<K> {
  const sum = Object.values<number>(budgetMs).reduce((a, b) => a + b, 0);
  const count = Object.keys(budgetMs).length;
  return {
    totalMs: sum + count * OVERRUN_GRACE_MS + MARGIN_MS,
    budgetMs,
    async run(name, work) {
      const budget = budgetMs[name];
      const deadline = Date.now() + budget;
      const phase: Phase = {
        name,
        deadline,
        waitFor: (what, check, intervalMs = 50) =>
          waitUntil(check, { what: `${what} (phase "${name}", ${budget / 1000} s)`, deadline, intervalMs }),
      };
      let timer: NodeJS.Timeout | undefined;
      const overrun = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`phase "${name}" did not finish within its ${budget / 1000} s budget`)),
          budget + OVERRUN_GRACE_MS,
        );
      });
      try {
        return await Promise.race([work(phase), overrun]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
