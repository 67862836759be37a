import 'reflect-metadata';
import { exitOnSignals } from '@chat/observability';
import { startApi } from './start-api.js';

exitOnSignals(await startApi());
