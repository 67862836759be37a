import 'reflect-metadata';
import { exitOnSignals } from '@chat/observability';
import { startFile } from './start-file.js';

exitOnSignals(await startFile());
