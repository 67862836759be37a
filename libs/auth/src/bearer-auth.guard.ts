import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { TokenService, type AuthUser } from './token.service.js';

type AuthedRequest = Request & { user?: AuthUser };

/**
 * Every HTTP route of every app that acts for a user: requires `Authorization: Bearer
 * <accessToken>` (401 UNAUTHORIZED otherwise) and puts its user on the request for CurrentUser.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    req.user = this.tokens.userOf(req.headers.authorization);
    return true;
  }
}

/** The user BearerAuthGuard found on the request. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser =>
    context.switchToHttp().getRequest<AuthedRequest>().user!,
);
