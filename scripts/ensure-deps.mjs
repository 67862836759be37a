// Installs node_modules when missing or older than package-lock.json. Builtins only: it runs
// before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_DIR } from './paths.mjs';

export function ensureDeps() {
  const marker = join(ROOT_DIR, 'node_modules', '.package-lock.json');
  const lock = join(ROOT_DIR, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // `npm ci`: exactly what package-lock.json says (which holds every platform's optional
  // packages), without rewriting it; a lockfile out of step with package.json is an error.
  console.log('[setup] installing dependencies (npm ci, from package-lock.json)');
  const result = spawnSync('npm', ['ci'], {
    cwd: ROOT_DIR,
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT_DIR, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`[setup] ${command} ${args.join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

export function build() {
  run('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);
}
