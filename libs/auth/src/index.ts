export { AuthTokensModule } from './auth-tokens.module.js';
export { BearerAuthGuard, CurrentUser } from './bearer-auth.guard.js';
export { TokenService, bearerToken, type AuthUser } from './token.service.js';
export { FileUrlSigner } from './file-url.signer.js';
export {
  INTERNAL_TOKEN_TTL_SEC,
  InternalTokenError,
  InternalTokenService,
  type InternalGrant,
  type InternalScope,
} from './internal-token.service.js';
