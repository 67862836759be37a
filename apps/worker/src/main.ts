import 'reflect-metadata';
import { loadConfigOrExit } from '@chat/config';
import { startTracing } from '@chat/tracing';

// The configuration, read once: tracing and the app get the same one.
const config = loadConfigOrExit();
// Tracing first (when configured): its instrumentations patch the clients as they load.
await startTracing('worker', config);
const { exitOnSignals } = await import('@chat/observability');
const { startWorker } = await import('./start-worker.js');

exitOnSignals(await startWorker(config));
