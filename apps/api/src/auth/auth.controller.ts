import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOperation,
  ApiConflictResponse,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AppError, ErrorCode } from '@chat/contracts';
import { AuthThrottle } from './auth-throttle.service.js';
import { AuthService } from './auth.service.js';
import { ErrorDto, LoginDto, RefreshDto, RegisterDto, TokensDto, UserDto } from './dto/credentials.dto.js';

const RATE_LIMITED = {
  type: ErrorDto,
  description: 'RATE_LIMITED: too many attempts from this address or for this account; see Retry-After',
};
const BUSY = {
  type: ErrorDto,
  description: 'UNAVAILABLE: too many password checks queued on this instance; see Retry-After',
};

/** Every route here is throttled per client IP (and login per username), shared by all instances. */
@ApiTags('auth')
@ApiTooManyRequestsResponse(RATE_LIMITED)
@ApiServiceUnavailableResponse(BUSY)
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly throttle: AuthThrottle,
  ) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'invalid username or password' })
  @ApiConflictResponse({ type: ErrorDto, description: 'username taken' })
  async register(@Body() body: RegisterDto, @Ip() ip: string): Promise<UserDto> {
    await this.throttle.register(ip);
    return this.auth.register(body.username, body.password);
  }

  @Post('login')
  @ApiOperation({ summary: 'Log in: an access token (socket handshake, Bearer) and a refresh token' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'wrong username or password' })
  async login(@Body() body: LoginDto, @Ip() ip: string): Promise<TokensDto> {
    await this.throttle.login(ip, body.username);
    try {
      return await this.auth.login(body.username, body.password);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.UNAUTHORIZED)
        await this.throttle.loginFailed(ip, body.username);
      throw error;
    }
  }

  @Post('refresh')
  @ApiOperation({ summary: 'Trade a refresh token for new tokens (rotation: the old one stops working)' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto, description: 'new tokens; the presented refresh token stops working' })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'unknown, expired or already used refresh token' })
  async refresh(@Body() body: RefreshDto, @Ip() ip: string): Promise<TokensDto> {
    await this.throttle.refresh(ip);
    return this.auth.refresh(body.refreshToken);
  }
}
