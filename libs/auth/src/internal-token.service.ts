import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { headerKeyId, keyId } from './token.service.js';

/** What a call to the file service may do. */
export type InternalScope = 'upload' | 'delete' | 'stat';

/** What a token grants: one scope, and what that scope acts on. */
export interface InternalGrant {
  scope: InternalScope;
  /** upload: the room the file belongs to, and who uploads it (never taken from the request). */
  roomId?: string;
  uploaderId?: string;
  /** delete, stat: the one file the call may touch. */
  fileId?: string;
}

/** Seconds a token lives: long enough for clock skew between hosts, short enough to be useless stolen. */
export const INTERNAL_TOKEN_TTL_SEC = 300;
/** The audience: these tokens are for the file service and nothing else. */
const AUDIENCE = 'chat-file-service';

interface InternalClaims {
  typ: 'internal';
  scope: InternalScope;
  room?: string;
  sub?: string;
  fid?: string;
}

/**
 * Why a call is refused: `unauthenticated` (no token, a bad signature, expired, not one of ours)
 * or `forbidden` (a valid token for another scope or another file).
 */
export class InternalTokenError extends Error {
  override name = 'InternalTokenError';
  constructor(
    readonly reason: 'unauthenticated' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Short-lived tokens (HS256 JWTs, INTERNAL_SERVICE_SECRET) on every call between our own apps:
 * the socket app signs one per upload naming the room and the uploader, the worker one per
 * deletion naming the file. The file service verifies them here, so one place decides who may
 * call it and what a call may touch. Tokens carry their key's `kid`; the previous key still
 * verifies during a rotation.
 */
@Injectable()
export class InternalTokenService {
  /** The signing key first. */
  private readonly keys: Array<{ kid: string; jwt: JwtService }>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { current, previous } = config.internalKeys;
    this.keys = [current, ...(previous ? [previous] : [])].map((secret) => {
      const kid = keyId(secret);
      const key = createSecretKey(Buffer.from(secret));
      return { kid, jwt: new JwtService({ secret: key, signOptions: { algorithm: 'HS256', keyid: kid } }) };
    });
  }

  /** A token for one call by `caller` (its app name, for the file service's logs). */
  sign(grant: InternalGrant, caller: string, ttlSec = INTERNAL_TOKEN_TTL_SEC): string {
    const claims: InternalClaims = {
      typ: 'internal',
      scope: grant.scope,
      ...(grant.roomId !== undefined && { room: grant.roomId }),
      ...(grant.uploaderId !== undefined && { sub: grant.uploaderId }),
      ...(grant.fileId !== undefined && { fid: grant.fileId }),
    };
    return this.keys[0]!.jwt.sign(claims, { expiresIn: ttlSec, audience: AUDIENCE, issuer: caller });
  }

  /**
   * The grant of a token that allows `scope` (on `fileId`, for scopes that name a file); throws
   * InternalTokenError otherwise.
   */
  verify(token: unknown, scope: InternalScope, fileId?: string): InternalGrant {
    if (typeof token !== 'string' || token.length === 0)
      throw new InternalTokenError('unauthenticated', 'a service token is required');
    const kid = headerKeyId(token);
    const candidates = kid === undefined ? this.keys : this.keys.filter((key) => key.kid === kid);
    let claims: InternalClaims | undefined;
    for (const { jwt } of candidates) {
      try {
        claims = jwt.verify<InternalClaims>(token, { algorithms: ['HS256'], audience: AUDIENCE });
        break;
      } catch {
        // The next key, if any.
      }
    }
    if (!claims || claims.typ !== 'internal')
      throw new InternalTokenError('unauthenticated', 'invalid or expired service token');
    if (claims.scope !== scope)
      throw new InternalTokenError('forbidden', `the token does not allow ${scope}`);
    const grant: InternalGrant = { scope };
    if (scope === 'upload') {
      if (typeof claims.room !== 'string' || typeof claims.sub !== 'string' || !claims.room || !claims.sub)
        throw new InternalTokenError('forbidden', 'an upload token must name the room and the uploader');
      grant.roomId = claims.room;
      grant.uploaderId = claims.sub;
    } else {
      if (typeof claims.fid !== 'string' || claims.fid !== fileId)
        throw new InternalTokenError('forbidden', `the token does not allow ${scope} of this file`);
      grant.fileId = claims.fid;
    }
    return grant;
  }
}
