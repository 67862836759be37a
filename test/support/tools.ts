import { spawnSync } from 'node:child_process';

/**
 * The path of a tool of the machine (.ci/run installs them), or null. Missing in CI is a
 * failure, not a skip; elsewhere the caller skips its check and says so.
 */
export function machineTool(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (!found && process.env.CI) throw new Error(`${name} is missing: .ci/run installs it`);
  if (!found) console.warn(`${name} not installed: skipping its check (apt-get install ${name})`);
  return found || null;
}
