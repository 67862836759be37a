export { AuthTokensModule } from './auth-tokens.module.js';
export { TokenService, bearerToken, type AuthUser } from './token.service.js';
export { FileUrlSigner } from './file-url.signer.js';
