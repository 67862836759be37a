import { Global, Module } from '@nestjs/common';
import { FileUrlSigner } from './file-url.signer.js';
import { InternalTokenService } from './internal-token.service.js';
import { TokenService } from './token.service.js';

const PROVIDERS = [TokenService, FileUrlSigner, InternalTokenService];

@Global()
@Module({ providers: PROVIDERS, exports: PROVIDERS })
export class AuthTokensModule {}
