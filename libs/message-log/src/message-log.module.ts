import { Module } from '@nestjs/common';
import { MessageReader } from './message-reader.js';

/** The message log for an app; needs the app's RedisModule and DatabaseModule (both global). */
@Module({
  providers: [MessageReader],
  exports: [MessageReader],
})
export class MessageLogModule {}
