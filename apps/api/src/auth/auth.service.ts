import { Inject, Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import pLimit from 'p-limit';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { TokenService, type AuthUser } from '@chat/auth';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AppError, ErrorCode } from '@chat/contracts';
import { RefreshTokensRepository, UsersRepository } from '@chat/database';
import type { TokensDto } from './dto/credentials.dto.js';

/** argon2id with OWASP's minimum profile (19 MiB, 2 passes): memory-hard, ~30 ms per hash. */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

@Injectable()
export class AuthService {
  /** Verified when a username is unknown, so a miss takes as long as a wrong password. */
  private readonly dummyHash = hash('dummy password for timing', ARGON2);
  /** Every argon2 computation of this instance goes through here: see PASSWORD_HASH_CONCURRENCY. */
  private readonly hashing: ReturnType<typeof pLimit>;

  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.hashing = pLimit(config.PASSWORD_HASH_CONCURRENCY);
  }

  /** Runs one argon2 computation under the concurrency limit, or refuses when the queue is full. */
  private passwordWork<T>(work: () => Promise<T>): Promise<T> {
    if (this.hashing.pendingCount >= this.config.PASSWORD_HASH_QUEUE)
      throw new AppError(ErrorCode.UNAVAILABLE, 'too many password checks in progress; retry shortly', 1);
    return this.hashing(work);
  }

  async register(username: string, password: string): Promise<AuthUser> {
    const passwordHash = await this.passwordWork(() => hash(password, ARGON2));
    const user = await this.users.create(username, passwordHash);
    return { id: user.id, username: user.username };
  }

  async login(username: string, password: string): Promise<TokensDto> {
    const user = await this.users.findByUsername(username);
    const valid = await this.passwordWork(async () =>
      user ? verify(user.passwordHash, password) : (await verify(await this.dummyHash, password), false),
    );
    if (!user || !valid) throw new AppError(ErrorCode.UNAUTHORIZED, 'wrong username or password');
    return this.issue({ id: user.id, username: user.username }, randomUUID());
  }

  /**
   * Rotates a refresh token: the presented one is spent, a new one of the same family returned.
   * Presenting a spent token again means it leaked, so the whole family is revoked. The family's
   * revocation is checked after the token is spent: a rotation racing the revocation either
   * spent its token before the revocation was recorded (and its successor is refused at its
   * own rotation) or sees it, so no token of a revoked family ever rotates again.
   */
  async refresh(refreshToken: string): Promise<TokensDto> {
    const [tokenId, secret] = refreshToken.split('.');
    const stored = tokenId && secret ? await this.refreshTokens.findById(tokenId) : null;
    const expected = stored ? Buffer.from(stored.secretHash, 'hex') : null;
    const actual = Buffer.from(sha256(secret ?? ''), 'hex');
    if (!stored || !expected || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'invalid refresh token');
    }
    if (stored.expiresAt.getTime() <= Date.now())
      throw new AppError(ErrorCode.UNAUTHORIZED, 'refresh token expired');
    if (stored.usedAt !== null || !(await this.refreshTokens.markUsed(stored._id))) {
      await this.refreshTokens.revokeFamily(stored.familyId);
      throw new AppError(ErrorCode.UNAUTHORIZED, 'refresh token already used; please log in again');
    }
    if (await this.refreshTokens.isFamilyRevoked(stored.familyId))
      throw new AppError(ErrorCode.UNAUTHORIZED, 'refresh token revoked; please log in again');
    const user = await this.users.findById(stored.userId);
    if (!user) throw new AppError(ErrorCode.UNAUTHORIZED, 'user no longer exists');
    return this.issue({ id: user.id, username: user.username }, stored.familyId);
  }

  private async issue(user: AuthUser, familyId: string): Promise<TokensDto> {
    const tokenId = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    await this.refreshTokens.create({
      _id: tokenId,
      userId: user.id,
      familyId,
      secretHash: sha256(secret),
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SEC * 1000),
    });
    return {
      accessToken: this.tokens.signAccess(user),
      refreshToken: `${tokenId}.${secret}`,
      expiresIn: this.tokens.accessTtlSec,
      user,
    };
  }
}
