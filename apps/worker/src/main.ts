import 'reflect-metadata';
import { exitOnSignals } from '@chat/observability';
import { startWorker } from './start-worker.js';

exitOnSignals(await startWorker());
