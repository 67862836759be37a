// Runs in every test file with the infrastructure: whatever app process the file started and did
// not stop (a test that failed half-way through starting several) ends with the file, so none
// outlives the run or keeps Jest from exiting.
import { afterAll } from '@jest/globals';
import { stopAll } from '../../scripts/harness.mjs';

afterAll(() => stopAll());
