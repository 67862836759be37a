// The checkout's state as git sees it, so that `npm test` and `npm start` can tell when they have
// changed it: neither may modify a tracked file or leave a file that .gitignore does not cover.
// Builtins only: it runs before anything is installed.
import { spawnSync } from 'node:child_process';
import { ROOT_DIR } from './paths.mjs';

/** `git status --porcelain` lines, or null when this is no git checkout (an unpacked archive). */
export function treeState(dir = ROOT_DIR) {
  const result = spawnSync('git', ['status', '--porcelain=v1', '--untracked-files=all'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (result.status !== 0) return null;
  return result.stdout.split('\n').filter(Boolean);
}

/** What is changed or new now that was not before (`before` from treeState()). */
export function changedSince(before, dir = ROOT_DIR) {
  if (before === null) return [];
  const seen = new Set(before);
  return (treeState(dir) ?? []).filter((line) => !seen.has(line));
}

/**
 * Warns of what `what` changed in the checkout since `before` (from treeState()), and returns it.
 */
export function warnOfChanges(before, what) {
  const changed = changedSince(before);
  if (changed.length)
    console.warn(`[setup] ${what} changed the checkout (git status):\n${changed.join('\n')}`);
  return changed;
}
