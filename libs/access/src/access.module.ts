import { Module } from '@nestjs/common';
import { RoomAccess } from './room-access.js';

/** RoomAccess for an app; needs the app's DatabaseModule and RedisModule (both global). */
@Module({
  providers: [RoomAccess],
  exports: [RoomAccess],
})
export class AccessModule {}
