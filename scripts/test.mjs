// `npm test`: install what is missing, build (the end-to-end tests run the built apps), type-check,
// lint, then the whole jest suite: unit, integration and end-to-end. Jest's global setup starts
// Redis and a MongoDB-protocol server when none answers.
import { build, ensureDeps, run } from './ensure-deps.mjs';

ensureDeps();
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
run(process.execPath, [
  '--experimental-vm-modules',
  'node_modules/jest/bin/jest.js',
  ...process.argv.slice(2),
]);
