import type { ChildProcess } from 'node:child_process';

export const PORT_VARS: Record<'api' | 'socket' | 'file' | 'worker', string>;

export interface WaitOptions {
  /** Named in the error when the wait times out. */
  what?: string;
  /** How long to wait (30 s); `deadline` instead sets the end as a Date.now() time. */
  timeoutMs?: number;
  deadline?: number;
  /** Pause between checks (100 ms). */
  intervalMs?: number;
  /** A process the condition depends on: the wait fails when it exits first. */
  child?: ChildProcess;
}
/** What a check returns once it holds. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;
export function waitUntil<T>(check: () => T | Promise<T>, options?: WaitOptions): Promise<Truthy<T>>;

export function freePort(): Promise<number>;
export function hasExited(child: ChildProcess): boolean;

export interface StopOptions {
  signal?: NodeJS.Signals;
  graceMs?: number;
  onKill?: () => void;
}
/** The exit code, or the signal that ended the process. */
export type ExitStatus = number | NodeJS.Signals | null;
export function stop(child: ChildProcess, options?: StopOptions): Promise<ExitStatus>;

/** Stops every process spawnApp started that still runs. */
export function stopAll(options?: StopOptions): Promise<ExitStatus[]>;

export function answers(url: string): Promise<boolean>;
export function waitUntilAnswers(
  url: string,
  options?: { what?: string; timeoutMs?: number; child?: ChildProcess },
): Promise<true>;

type Output = 'inherit' | 'ignore';
export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  port?: number;
  entry?: string;
  args?: string[];
  nodeArgs?: string[];
  cwd?: string;
  healthPath?: string;
  timeoutMs?: number;
  output?: Output | [Output, Output] | string;
}
export interface SpawnedApp {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** Where its stdout and stderr go, when `output` named a file. */
  logFile: string | null;
  stop(options?: StopOptions): Promise<ExitStatus>;
}
export function spawnApp(name: string, options?: SpawnOptions): Promise<SpawnedApp>;
