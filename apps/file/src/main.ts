import 'reflect-metadata';
import { startTracing } from '@chat/tracing';

// Tracing first (when configured): its instrumentations patch the clients as they load.
await startTracing('file');
const { exitOnSignals } = await import('@chat/observability');
const { startFile } = await import('./start-file.js');

exitOnSignals(await startFile());
