export interface ArtilleryAggregate {
  counters: Record<string, number>;
  summaries?: Record<string, { p99: number; median: number; count: number }>;
}
export function ensureArtillery(): void;
export function runScenario(
  name: 'seed-004' | 'seed-003' | 'file-upload',
  options: {
    smoke?: boolean;
    socketUrl: string;
    apiUrl: string;
    users?: number;
    env?: Record<string, string>;
  },
): Promise<ArtilleryAggregate>;
export function failures(aggregate: ArtilleryAggregate): {
  failedUsers: number;
  errors: Record<string, number>;
};
