import type { EventSink } from './supervisor.mjs';

export const LEVELS: Record<'debug' | 'info' | 'warn' | 'error' | 'fatal', number>;
export function parseRecord(line: string): ({ level: number } & Record<string, unknown>) | null;
export function createLogWriter(options?: {
  out?: { write(text: string): unknown; isTTY?: boolean; hasColors?(): boolean };
  pretty?: boolean;
  colors?: boolean;
}): { line(label: string, line: string): void; event: EventSink };
