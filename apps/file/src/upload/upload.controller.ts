import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall, RpcException } from '@nestjs/microservices';
import { status, type Metadata, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
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
import { ServiceAuth } from './service-auth.js';
import { UploadService, toStoredFile } from './upload.service.js';

/** A gRPC status error as is; anything else becomes INTERNAL, without its details. */
function asServiceError(error: unknown, fallback: ErrorCode, message: string): Error {
  return error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'number'
    ? (error as Error)
    : grpcError(status.INTERNAL, fallback, message);
}

/**
 * The gRPC face of the file service (proto/file.proto). Every method first checks the caller's
 * service token (ServiceAuth): what a call may touch comes from the token, never from its body.
 */
@Controller()
export class UploadController {
  constructor(
    private readonly uploads: UploadService,
    private readonly files: FilesRepository,
    private readonly auth: ServiceAuth,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  @GrpcStreamCall('FileService', 'Upload')
  upload(
    call: ServerReadableStream<UploadRequest__Output, StoredFile>,
    callback: sendUnaryData<StoredFile>,
  ): void {
    const failed = (error: unknown) =>
      callback(asServiceError(error, ErrorCode.FILE_UPLOAD_FAILED, 'the file could not be stored'));
    let grant;
    try {
      grant = this.auth.authorize(call.metadata, 'upload');
    } catch (error) {
      failed(error);
      return;
    }
    this.uploads
      .upload(call, { roomId: grant.roomId!, uploaderId: grant.uploaderId! })
      .then((stored) => callback(null, stored), failed);
  }

  /** Deletes the bytes, then the metadata; deleting a file that is gone already is fine. */
  @GrpcMethod('FileService', 'Delete')
  async delete(ref: FileRef__Output, metadata: Metadata): Promise<DeleteResult> {
    this.authorize(metadata, 'delete', ref.id);
    const file = await this.files.findById(ref.id);
    if (!file) return { deleted: false };
    await this.storage.remove(file.storageKey);
    if (file.thumbnailKey) await this.storage.remove(file.thumbnailKey);
    return { deleted: await this.files.delete(file._id) };
  }

  @GrpcMethod('FileService', 'Stat')
  async stat(ref: FileRef__Output, metadata: Metadata): Promise<StoredFile> {
    this.authorize(metadata, 'stat', ref.id);
    const file = await this.files.findById(ref.id);
    if (!file) throw new RpcException({ code: status.NOT_FOUND, message: 'no such file' });
    return toStoredFile(file);
  }

  /** Unary handlers answer through Nest's RPC filter, which keeps an RpcException's error whole. */
  private authorize(metadata: Metadata, scope: 'delete' | 'stat', fileId: string): void {
    try {
      this.auth.authorize(metadata, scope, fileId);
    } catch (error) {
      throw new RpcException(asServiceError(error, ErrorCode.UNAUTHORIZED, 'the call was refused'));
    }
  }
}
