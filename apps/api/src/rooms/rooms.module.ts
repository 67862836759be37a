import { Module } from '@nestjs/common';
import { AccessModule } from '@chat/access';
import { AuthModule } from '../auth/auth.module.js';
import { RoomsController } from './rooms.controller.js';
import { RoomsService } from './rooms.service.js';

/** Create, join and list rooms, and who is online in one. */
@Module({
  imports: [AuthModule, AccessModule],
  controllers: [RoomsController],
  providers: [RoomsService],
})
export class RoomsModule {}
