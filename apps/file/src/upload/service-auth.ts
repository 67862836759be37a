import { Injectable, Logger } from '@nestjs/common';
import { status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  InternalTokenError,
  InternalTokenService,
  bearerToken,
  type InternalGrant,
  type InternalScope,
} from '@chat/auth';
import { ErrorCode } from '@chat/contracts';
import { authorizationOf, grpcError } from '@chat/grpc';
import { MetricsService } from '@chat/observability';

/**
 * The file service's door: every gRPC call must carry a service token (InternalTokenService)
 * that allows what it asks. Missing, invalid or expired: UNAUTHENTICATED; another scope or
 * another file: PERMISSION_DENIED. Whatever the call then acts on (room, uploader, file) comes
 * from the returned grant.
 */
@Injectable()
export class ServiceAuth {
  private readonly logger = new Logger(ServiceAuth.name);
  private readonly refused;

  constructor(
    private readonly tokens: InternalTokenService,
    metrics: MetricsService,
  ) {
    this.refused = metrics.counter('chat_file_service_refused_total', 'gRPC calls refused by their token', [
      'method',
      'reason',
    ]);
  }

  /** The grant of the call's token; throws a gRPC error (with our error code) otherwise. */
  authorize(metadata: Metadata | undefined, scope: InternalScope, fileId?: string): InternalGrant {
    try {
      return this.tokens.verify(bearerToken(authorizationOf(metadata)), scope, fileId);
    } catch (error) {
      if (!(error instanceof InternalTokenError)) throw error;
      this.refused.inc({ method: scope, reason: error.reason });
      this.logger.warn(`${scope} refused (${error.reason}): ${error.message}`);
      return refuse(error);
    }
  }
}

function refuse(error: InternalTokenError): never {
  const serviceError: ServiceError =
    error.reason === 'unauthenticated'
      ? grpcError(status.UNAUTHENTICATED, ErrorCode.UNAUTHORIZED, error.message)
      : grpcError(status.PERMISSION_DENIED, ErrorCode.FORBIDDEN, error.message);
  throw serviceError;
}
