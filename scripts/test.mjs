// `npm test`: install what is missing, build (the end-to-end and system tests run the built apps),
// type-check, lint, then the whole jest suite: unit, integration, e2e and system (jest.config.js).
// `npm run test:<tier>` (this script with tier names) runs only those tiers, after an install
// and, for e2e and system, a build. Other arguments go to jest. Jest's global setup starts Redis
// and a MongoDB-protocol server when none answers.
import { build, ensureDeps, run } from './ensure-deps.mjs';
import { treeState, warnOfChanges } from './git-tree.mjs';

const TIERS = ['unit', 'integration', 'e2e', 'system'];
const args = process.argv.slice(2);
const tiers = args.filter((arg) => TIERS.includes(arg));
const jestArgs = args.filter((arg) => !TIERS.includes(arg));

const tree = treeState();
ensureDeps();
if (!tiers.length) {
  run(process.execPath, ['scripts/gen-proto.mjs', '--check']);
  build();
  run('npx', ['tsc', '-p', 'tsconfig.json']);
  run('npx', ['eslint', '.', '--max-warnings=0']);
  run('npx', [
    'prettier',
    '--check',
    '--log-level=warn',
    'apps',
    'libs',
    'test',
    'scripts',
    'bench',
    'artillery',
    'deploy',
  ]);
} else if (tiers.includes('e2e') || tiers.includes('system')) {
  build();
}
run(process.execPath, [
  '--experimental-vm-modules',
  'node_modules/jest/bin/jest.js',
  ...jestArgs,
  // Last: --selectProjects takes every name that follows it.
  ...(tiers.length ? ['--selectProjects', ...tiers] : []),
]);
// A run must leave the checkout as it found it: nothing tracked changed, nothing new unignored.
// An error under CI (a clean clone nobody edits); elsewhere the developer may be editing meanwhile.
if (warnOfChanges(tree, 'the test run').length && process.env.CI === 'true') process.exit(1);
