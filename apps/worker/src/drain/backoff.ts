/**
 * Exponential backoff with jitter: after the n-th consecutive failure wait between half and all
 * of min(max, base * 2^(n-1)), so several workers hitting the same outage do not retry in step.
 */
export function backoffDelay(failures: number, baseMs: number, maxMs: number, random = Math.random): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}
