import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode } from '@chat/contracts';

export interface AuthUser {
  id: string;
  username: string;
}

interface AccessClaims {
  sub: string;
  name: string;
  typ: 'access';
  exp: number;
}

/** Signs and verifies short-lived access tokens (HS256). Shared by the api and the socket app. */
/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const [scheme, token] = (header ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

@Injectable()
export class TokenService {
  private readonly jwt: JwtService;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    // A KeyObject, made once: given a string, jsonwebtoken re-parses it on every verify (first as
    // a public key, which throws), a cost that showed in the profile of a 3,000-connection storm.
    const secret = createSecretKey(Buffer.from(config.jwtSecret));
    this.jwt = new JwtService({ secret, signOptions: { algorithm: 'HS256' } });
  }

  get accessTtlSec(): number {
    return this.config.ACCESS_TOKEN_TTL_SEC;
  }

  signAccess(user: AuthUser): string {
    return this.jwt.sign(
      { sub: user.id, name: user.username, typ: 'access' },
      { expiresIn: this.accessTtlSec },
    );
  }

  /** Returns the user and the expiry (ms since epoch); throws UNAUTHORIZED for anything else. */
  verifyAccess(token: unknown): AuthUser & { expiresAt: number } {
    if (typeof token !== 'string' || token.length === 0)
      throw new AppError(ErrorCode.UNAUTHORIZED, 'missing token');
    let claims: AccessClaims;
    try {
      claims = this.jwt.verify<AccessClaims>(token, { algorithms: ['HS256'] });
    } catch {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'invalid or expired token');
    }
    if (claims.typ !== 'access' || typeof claims.sub !== 'string' || typeof claims.name !== 'string') {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'not an access token');
    }
    return { id: claims.sub, username: claims.name, expiresAt: claims.exp * 1000 };
  }
}
