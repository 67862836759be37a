import { createHash, createSecretKey } from 'node:crypto';
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

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const [scheme, token] = (header ?? '').split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/** A key's verifier and the id its tokens carry in their `kid` header. */
interface VerificationKey {
  kid: string;
  jwt: JwtService;
}

/**
 * The id of a key: a short fingerprint (SHA-256, truncated), so every instance agrees on it
 * without configuring one, and it reveals nothing of a high-entropy secret.
 */
export function keyId(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 12);
}

/**
 * Signs and verifies short-lived access tokens (HS256). Shared by the api and the socket app.
 * Tokens carry the signing key's id (`kid`); JWT_SECRET signs, and tokens of JWT_SECRET_PREVIOUS
 * still verify, so a key rotates without logging anyone out. A token without `kid` (issued
 * before keys had ids) is tried against both.
 */
@Injectable()
export class TokenService {
  /** The signing key first. */
  private readonly keys: VerificationKey[];

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    // KeyObjects, made once: given a string, jsonwebtoken re-parses it on every verify (first as
    // a public key, which throws), a cost that showed in the profile of a 3,000-connection storm.
    const { current, previous } = config.jwtKeys;
    this.keys = [current, ...(previous ? [previous] : [])].map((secret) => {
      const kid = keyId(secret);
      const key = createSecretKey(Buffer.from(secret));
      return { kid, jwt: new JwtService({ secret: key, signOptions: { algorithm: 'HS256', keyid: kid } }) };
    });
  }

  get accessTtlSec(): number {
    return this.config.ACCESS_TOKEN_TTL_SEC;
  }

  signAccess(user: AuthUser): string {
    return this.keys[0]!.jwt.sign(
      { sub: user.id, name: user.username, typ: 'access' },
      { expiresIn: this.accessTtlSec },
    );
  }

  /**
   * The user of an `Authorization: Bearer <accessToken>` header: the one way every HTTP route
   * authenticates (BearerAuthGuard, file downloads). UNAUTHORIZED when missing or invalid.
   */
  userOf(authorization: string | undefined): AuthUser {
    const token = bearerToken(authorization);
    if (!token) throw new AppError(ErrorCode.UNAUTHORIZED, 'missing Authorization: Bearer <accessToken>');
    const { id, username } = this.verifyAccess(token);
    return { id, username };
  }

  /** Returns the user and the expiry (ms since epoch); throws UNAUTHORIZED for anything else. */
  verifyAccess(token: unknown): AuthUser & { expiresAt: number } {
    if (typeof token !== 'string' || token.length === 0)
      throw new AppError(ErrorCode.UNAUTHORIZED, 'missing token');
    const kid = headerKeyId(token);
    const candidates = kid === undefined ? this.keys : this.keys.filter((key) => key.kid === kid);
    let claims: AccessClaims | undefined;
    for (const { jwt } of candidates) {
      try {
        claims = jwt.verify<AccessClaims>(token, { algorithms: ['HS256'] });
        break;
      } catch {
        // The next key, if any.
      }
    }
    if (!claims) throw new AppError(ErrorCode.UNAUTHORIZED, 'invalid or expired token');
    if (claims.typ !== 'access' || typeof claims.sub !== 'string' || typeof claims.name !== 'string') {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'not an access token');
    }
    return { id: claims.sub, username: claims.name, expiresAt: claims.exp * 1000 };
  }
}

/** The `kid` of a JWT's header; undefined when it has none or the header is unreadable. */
export function headerKeyId(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8')) as unknown;
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
