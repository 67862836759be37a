import { Global, Module } from '@nestjs/common';
import { FileUrlSigner } from './file-url.signer.js';
import { TokenService } from './token.service.js';

@Global()
@Module({ providers: [TokenService, FileUrlSigner], exports: [TokenService, FileUrlSigner] })
export class AuthTokensModule {}
