import 'reflect-metadata';
import { startTracing } from '@chat/tracing';

// Tracing first (when configured): its instrumentations patch the clients as they load.
await startTracing('api');
const { exitOnSignals } = await import('@chat/observability');
const { startApi } = await import('./start-api.js');

exitOnSignals(await startApi());
