import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedSince, treeState } from '../../scripts/git-tree.mjs';

/**
 * scripts/git-tree.mjs, with which `npm test` (an error under CI) and `npm start` (a warning) tell
 * that they changed the checkout, on a repository of its own.
 */
let dir: string;
const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'git-tree-'));
  git('init', '-q');
  writeFileSync(join(dir, '.gitignore'), 'out/\n');
  writeFileSync(join(dir, 'tracked.txt'), 'one\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'first');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('names a changed tracked file and a new unignored one, not what was so before or is ignored', () => {
  writeFileSync(join(dir, 'edited-before.txt'), 'the developer was here\n');
  const before = treeState(dir);
  expect(before).toEqual(['?? edited-before.txt']);
  expect(changedSince(before, dir)).toEqual([]);

  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'out', 'build.js'), 'ignored\n');
  expect(changedSince(before, dir)).toEqual([]);

  writeFileSync(join(dir, 'tracked.txt'), 'two\n');
  writeFileSync(join(dir, 'new.txt'), 'new\n');
  expect(changedSince(before, dir).sort()).toEqual([' M tracked.txt', '?? new.txt']);
});

it('says nothing outside a git checkout', () => {
  const plain = mkdtempSync(join(tmpdir(), 'no-git-'));
  try {
    expect(treeState(plain)).toBeNull();
    expect(changedSince(null, plain)).toEqual([]);
  } finally {
    rmSync(plain, { recursive: true, force: true });
  }
});
