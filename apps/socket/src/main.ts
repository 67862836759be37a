import 'reflect-metadata';
import { exitOnSignals } from '@chat/observability';
import { startSocket } from './start-socket.js';

exitOnSignals(await startSocket());
