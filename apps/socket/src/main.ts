import 'reflect-metadata';
import { startSocket } from './start-socket.js';

await startSocket();
