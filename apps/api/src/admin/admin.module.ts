import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AdminController } from './admin.controller.js';

/** Admin-only reads: the live stats snapshot. */
@Module({
  imports: [AuthModule],
  controllers: [AdminController],
})
export class AdminModule {}
