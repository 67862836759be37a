export type Level = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
export type EventSink = (name: string, level: Level, msg: string, fields?: Record<string, unknown>) => void;

export interface Backoff {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}
export const BACKOFF: Backoff;
export function restartDelay(failures: number, backoff?: Backoff): number;

export interface Supervisor {
  pid(name: string): number | undefined;
  readonly stopping: boolean;
  stop(): Promise<void>;
  kill(): void;
}
export function supervise(
  programs: Record<string, { command: string; args?: string[] }>,
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    line: (name: string, text: string) => void;
    event: EventSink;
    backoff?: Backoff;
    graceMs?: number;
  },
): Supervisor;
export function stopOnSignals(
  supervisor: Supervisor,
  options?: { after?: () => Promise<void>; event?: EventSink },
): void;
