import 'reflect-metadata';
import { startTracing } from '@chat/tracing';

// Tracing first (when configured): its instrumentations patch the clients as they load.
await startTracing('worker');
const { exitOnSignals } = await import('@chat/observability');
const { startWorker } = await import('./start-worker.js');

exitOnSignals(await startWorker());
