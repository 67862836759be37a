import { Module } from '@nestjs/common';
import { DrainQueue } from './drain-queue.js';
import { MessageAppender } from './message-appender.js';
import { MessageReader } from './message-reader.js';

/**
 * The message log: the socket app appends (MessageAppender), history and replay read
 * (MessageReader), the worker drains (DrainQueue). Needs the app's RedisModule and
 * DatabaseModule (both global).
 */
@Module({
  providers: [MessageAppender, MessageReader, DrainQueue],
  exports: [MessageAppender, MessageReader, DrainQueue],
})
export class MessageLogModule {}
