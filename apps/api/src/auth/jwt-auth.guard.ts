import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { TokenService, bearerToken, type AuthUser } from '@chat/auth';
import { AppError, ErrorCode } from '@chat/contracts';

type AuthedRequest = Request & { user?: AuthUser };

/** Requires `Authorization: Bearer <accessToken>`; 401 otherwise. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      throw new AppError(ErrorCode.UNAUTHORIZED, 'missing Authorization: Bearer <accessToken>');
    }
    const { id, username } = this.tokens.verifyAccess(token);
    req.user = { id, username };
    return true;
  }
}

export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser =>
    context.switchToHttp().getRequest<AuthedRequest>().user!,
);
