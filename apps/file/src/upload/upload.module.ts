import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { UploadController } from './upload.controller.js';
import { ThumbnailService } from './thumbnail.service.js';
import { UploadService } from './upload.service.js';

/** gRPC Upload: checked, streamed to storage, recorded in MongoDB. */
@Module({
  imports: [StorageModule],
  controllers: [UploadController],
  providers: [UploadService, ThumbnailService],
})
export class UploadModule {}
