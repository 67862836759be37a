import 'reflect-metadata';
import { startTracing } from '@chat/tracing';

// Tracing first (when configured): its instrumentations patch the clients as they load.
await startTracing('socket');
const { exitOnSignals } = await import('@chat/observability');
const { startSocket } = await import('./start-socket.js');

exitOnSignals(await startSocket());
