export { DrainQueue } from './drain-queue.js';
export { MessageAppender } from './message-appender.js';
export { MessageLogModule } from './message-log.module.js';
export { MessageReader } from './message-reader.js';
export { PageVersions } from './page-versions.js';
export { parseMessageRecord, type AppendResult, type Backlog, type StreamEntry } from './room-streams.js';
