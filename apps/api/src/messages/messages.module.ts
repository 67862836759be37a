import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';

/** Chat history: the Redis stream tail merged with MongoDB pages. */
@Module({
  imports: [AuthModule, RoomsModule],
  controllers: [MessagesController],
  providers: [MessagesService],
})
export class MessagesModule {}
