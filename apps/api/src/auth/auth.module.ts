import { Module } from '@nestjs/common';
import { AuthThrottle } from './auth-throttle.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';

/** Register, login and refresh-token rotation, throttled. */
@Module({
  controllers: [AuthController],
  providers: [AuthService, AuthThrottle],
})
export class AuthModule {}
