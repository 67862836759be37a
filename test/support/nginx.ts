import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { waitUntilAnswers } from '../../scripts/harness.mjs';

/**
 * Runs the machine's nginx in the foreground on the config `config(dir)` returns, written into a
 * fresh temporary directory `dir` (which the config may use for its pid and temp paths).
 * Resolves once `probeUrl` answers.
 *
 * Its workers run as the user running the tests. Started by root, nginx would otherwise drop its
 * workers to `nobody`, who cannot enter a checkout inside a private directory (a clone under
 * /root), so every file served from the checkout would be a 500. A non-root nginx cannot switch
 * users and needs nothing.
 */
export async function startNginx(
  nginxPath: string,
  config: (dir: string) => string,
  probeUrl: string,
): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), config(dir));
  const user = process.getuid?.() === 0 ? ` user ${userInfo().username};` : '';
  const nginx = spawn(
    nginxPath,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; error_log stderr;${user}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await waitUntilAnswers(probeUrl, { what: 'nginx', timeoutMs: 10_000, child: nginx });
  return nginx;
}
