import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway.js';
import { ChatService } from './chat.service.js';
import { FileUploadClient } from './file-upload.client.js';
import { MembershipService } from './membership.service.js';

/** The socket.io gateway and the path of a message into the room's Redis stream. */
@Module({ providers: [ChatGateway, ChatService, MembershipService, FileUploadClient] })
export class ChatModule {}
