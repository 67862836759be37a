export const ROOT: string;
export function buildFerretDb(dataDir: string, log: (line: string) => void): string;
export function redisAnswers(url: string, timeoutMs?: number): Promise<boolean>;
export function mongoAnswers(url: string, timeoutMs?: number): Promise<boolean>;
export function ensureInfra(options?: {
  redisUrl?: string;
  mongoUrl?: string;
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<{ redisUrl: string; mongoUrl: string; dataDir: string; stop(): Promise<void> }>;
