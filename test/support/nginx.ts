import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntilAnswers } from './processes.js';

/**
 * Runs the machine's nginx in the foreground on the config `config(dir)` returns, written into a
 * fresh temporary directory `dir` (which the config may use for its pid and temp paths).
 * Resolves once `probeUrl` answers.
 */
export async function startNginx(
  nginxPath: string,
  config: (dir: string) => string,
  probeUrl: string,
): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, 'nginx.conf'), config(dir));
  const nginx = spawn(
    nginxPath,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off; error_log stderr;'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  await waitUntilAnswers(probeUrl, 'nginx', 10_000, nginx);
  return nginx;
}
