import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall, RpcException } from '@nestjs/microservices';
import { status, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import { ErrorCode } from '@chat/contracts';
import { FilesRepository } from '@chat/database';
import {
  grpcError,
  type DeleteResult,
  type FileRef__Output,
  type StoredFile,
  type UploadRequest__Output,
} from '@chat/grpc';
import { FILE_STORAGE, type FileStorage } from '../storage/file-storage.js';
import { UploadService, toStoredFile } from './upload.service.js';

/** The gRPC face of the file service (proto/file.proto). */
@Controller()
export class UploadController {
  constructor(
    private readonly uploads: UploadService,
    private readonly files: FilesRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  @GrpcStreamCall('FileService', 'Upload')
  upload(
    call: ServerReadableStream<UploadRequest__Output, StoredFile>,
    callback: sendUnaryData<StoredFile>,
  ): void {
    this.uploads.upload(call).then(
      (stored) => callback(null, stored),
      (error: unknown) =>
        callback(
          error &&
            typeof error === 'object' &&
            'code' in error &&
            typeof (error as { code: unknown }).code === 'number'
            ? (error as unknown as Error)
            : grpcError(status.INTERNAL, ErrorCode.FILE_UPLOAD_FAILED, 'the file could not be stored'),
        ),
    );
  }

  /** Deletes the bytes, then the metadata; deleting a file that is gone already is fine. */
  @GrpcMethod('FileService', 'Delete')
  async delete(ref: FileRef__Output): Promise<DeleteResult> {
    const file = await this.files.findById(ref.id);
    if (!file) return { deleted: false };
    await this.storage.remove(file.storageKey);
    if (file.thumbnailKey) await this.storage.remove(file.thumbnailKey);
    return { deleted: await this.files.delete(file._id) };
  }

  @GrpcMethod('FileService', 'Stat')
  async stat(ref: FileRef__Output): Promise<StoredFile> {
    const file = await this.files.findById(ref.id);
    if (!file) throw new RpcException({ code: status.NOT_FOUND, message: 'no such file' });
    return toStoredFile(file);
  }
}
