// files: uploads through socket.io → gRPC → disk (20 × 10 MiB, then 100 × 1 MiB): MB/s and the
// peak memory of the file and socket apps, and how far the load raised it.
import { runScript } from '../lib/script.mjs';

export const title = 'files';

export async function run() {
  const result = await runScript('files.mjs', 'files.json', {});
  return {
    settings: {},
    rows: result.scenarios.map((s) => ({
      target: `${s.uploads} × ${s.sizeMiB} MiB, ${s.concurrency} at a time${s.round ? `, ${s.round} round` : ''}`,
      MBps: s.MBps,
      errorCount: s.failed,
      peakRssMiB: s.peakRssMiB,
      riseMiB: s.riseMiB,
    })),
    checks: { 'zero failed uploads': result.scenarios.every((s) => s.failed === 0) },
  };
}
