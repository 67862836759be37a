import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AccessModule } from '@chat/access';
import { MessageLogModule } from '@chat/message-log';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';

/** Chat history: the Redis stream tail merged with MongoDB pages. */
@Module({
  imports: [AuthModule, AccessModule, MessageLogModule],
  controllers: [MessagesController],
  providers: [MessagesService],
})
export class MessagesModule {}
