import { Module } from '@nestjs/common';
import { AccessModule } from '@chat/access';
import { StorageModule } from '../storage/storage.module.js';
import { FilesController } from './files.controller.js';

/** HTTP download of stored files for the members of their room. */
@Module({ imports: [AccessModule, StorageModule], controllers: [FilesController] })
export class ServeModule {}
