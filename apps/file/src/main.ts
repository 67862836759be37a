import 'reflect-metadata';
import { startFile } from './start-file.js';

await startFile();
