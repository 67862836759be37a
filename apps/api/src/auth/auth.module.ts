import { Module } from '@nestjs/common';
import { AuthThrottle } from './auth-throttle.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

/** Register, login and refresh-token rotation, throttled. */
@Module({
  controllers: [AuthController],
  providers: [AuthService, AuthThrottle, JwtAuthGuard],
  exports: [JwtAuthGuard],
})
export class AuthModule {}
