import { Module } from '@nestjs/common';
import { AccessModule } from '@chat/access';
import { MessageLogModule } from '@chat/message-log';
import { DeliveryModule } from '../delivery/delivery.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { StatsModule } from '../stats/stats.module.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatService } from './chat.service.js';
import { FileUploadClient } from './file-upload.client.js';
import { SocketLimits } from './socket-limits.js';
import { UploadSessions } from './upload-sessions.js';
import { SessionTimers } from './session-timers.js';

/** The socket.io gateway and the path of a message into the room's Redis stream. */
@Module({
  imports: [AccessModule, MessageLogModule, DeliveryModule, PresenceModule, StatsModule],
  providers: [ChatGateway, ChatService, FileUploadClient, UploadSessions, SocketLimits, SessionTimers],
})
export class ChatModule {}
