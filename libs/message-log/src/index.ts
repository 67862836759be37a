export { MessageLogModule } from './message-log.module.js';
export { MessageReader } from './message-reader.js';
