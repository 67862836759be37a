import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from '../../scripts/paths.mjs';

/**
 * Runs one of the stand-alone benchmark scripts (bench/drain.mjs, …) with `env` on top, and
 * returns the JSON it wrote to bench/results/<output>. They reuse the infrastructure the run
 * started and the same private databases.
 */
export function runScript(script, output, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT_DIR, 'bench', script)], {
      cwd: ROOT_DIR,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench/${script} exited with ${code}`));
      resolve(JSON.parse(readFileSync(join(ROOT_DIR, 'bench', 'results', output), 'utf8')));
    });
  });
}
