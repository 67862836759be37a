import { credentials, loadPackageDefinition, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '@chat/contracts';
import type { ProtoGrpcType } from './generated/file.js';
import type { FileServiceClient } from './generated/chat/file/v1/FileService.js';

/** Chunks of an upload stream are at most this big (the proto's contract). */
export const UPLOAD_CHUNK_BYTES = 64 * 1024;
export const FILE_PACKAGE = 'chat.file.v1';
/** Trailing metadata key that carries our ErrorCode next to the gRPC status. */
export const ERROR_CODE_KEY = 'chat-error-code';

/** The loader options the generated types were made for (see scripts/gen-proto.mjs). */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** proto/file.proto, found from wherever this module was built to (repo, dist/, container). */
export function fileProtoPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto', 'file.proto');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('proto/file.proto not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function createFileServiceClient(address: string): FileServiceClient {
  const definition = loadPackageDefinition(
    loadSync(fileProtoPath(), PROTO_LOADER_OPTIONS),
  ) as unknown as ProtoGrpcType;
  return new definition.chat.file.v1.FileService(address, credentials.createInsecure(), {
    'grpc.max_send_message_length': 2 * UPLOAD_CHUNK_BYTES,
    'grpc.keepalive_time_ms': 30_000,
    // No retries and no retry buffer: otherwise grpc-js keeps up to 1 MiB of every call's
    // messages (16 MiB a channel), and completes their writes before the transport takes them,
    // even before it is connected. Without it, an upload's write completes when HTTP/2 has the
    // bytes: that is the socket app's backpressure (test/e2e/chunked-upload.spec.ts).
    'grpc.enable_retries': 0,
    'grpc.per_rpc_retry_buffer_size': 0,
  });
}

/** A health check of a client's channel: resolves once it is connected, waiting at most `timeoutMs`. */
export function channelReady(client: FileServiceClient, timeoutMs = 1500): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
  );
}

/** The metadata key of the caller's service token (`Bearer <token>`), as HTTP names it. */
export const AUTHORIZATION_KEY = 'authorization';

/** Call metadata carrying a service token (see InternalTokenService in @chat/auth). */
export function bearerMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set(AUTHORIZATION_KEY, `Bearer ${token}`);
  return metadata;
}

/** The `authorization` value of a call's metadata (parse it with @chat/auth's bearerToken). */
export function authorizationOf(metadata: Metadata | undefined): string | undefined {
  const value = metadata?.get(AUTHORIZATION_KEY)[0];
  return typeof value === 'string' ? value : undefined;
}

/** A gRPC error that carries one of our error codes, for the file service's handlers. */
export function grpcError(grpcStatus: status, code: ErrorCode, message: string): ServiceError {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_KEY, code);
  return Object.assign(new Error(message), { code: grpcStatus, details: message, metadata }) as ServiceError;
}

/** Reads our error code back from a gRPC error; null when the service did not set one. */
export function errorCodeOf(error: unknown): ErrorCode | null {
  const metadata = (error as Partial<ServiceError> | null)?.metadata;
  const value = metadata?.get(ERROR_CODE_KEY)[0];
  return typeof value === 'string' && value in ErrorCode ? (value as ErrorCode) : null;
}
