import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { UploadController } from './upload.controller.js';
import { ImageMetadataService } from './image-metadata.service.js';
import { ThumbnailService } from './thumbnail.service.js';
import { ServiceAuth } from './service-auth.js';
import { UploadService } from './upload.service.js';

/** gRPC Upload: checked, streamed to storage, recorded in MongoDB. */
@Module({
  imports: [StorageModule],
  controllers: [UploadController],
  providers: [UploadService, ThumbnailService, ServiceAuth, ImageMetadataService],
})
export class UploadModule {}
