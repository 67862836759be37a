import { Module } from '@nestjs/common';
import { DrainQueue } from './drain-queue.js';
import { MessageAppender } from './message-appender.js';
import { MessageReader } from './message-reader.js';
import { PageVersions } from './page-versions.js';

/**
 * The message log: the socket app appends (MessageAppender), history and replay read
 * (MessageReader), the worker drains (DrainQueue) and tells readers when it changes pages
 * (PageVersions). Needs the app's RedisModule and
 * DatabaseModule (both global).
 */
@Module({
  providers: [MessageAppender, MessageReader, DrainQueue, PageVersions],
  exports: [MessageAppender, MessageReader, DrainQueue, PageVersions],
})
export class MessageLogModule {}
