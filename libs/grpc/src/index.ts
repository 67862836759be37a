export {
  AUTHORIZATION_KEY,
  ERROR_CODE_KEY,
  FILE_PACKAGE,
  PROTO_LOADER_OPTIONS,
  UPLOAD_CHUNK_BYTES,
  bearerMetadata,
  channelReady,
  authorizationOf,
  createFileServiceClient,
  errorCodeOf,
  fileProtoPath,
  grpcError,
} from './file-service.js';
export type { FileServiceClient, FileServiceHandlers } from './generated/chat/file/v1/FileService.js';
export type { DeleteResult } from './generated/chat/file/v1/DeleteResult.js';
export type { FileRef__Output } from './generated/chat/file/v1/FileRef.js';
export type { StoredFile, StoredFile__Output } from './generated/chat/file/v1/StoredFile.js';
export type { UploadMetadata__Output } from './generated/chat/file/v1/UploadMetadata.js';
export type { UploadRequest, UploadRequest__Output } from './generated/chat/file/v1/UploadRequest.js';
