import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOperation,
  ApiConflictResponse,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AuthService } from './auth.service.js';
import { ErrorDto, LoginDto, RefreshDto, RegisterDto, TokensDto, UserDto } from './dto/credentials.dto.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({ summary: 'Create an account' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'invalid username or password' })
  @ApiConflictResponse({ type: ErrorDto, description: 'username taken' })
  register(@Body() body: RegisterDto): Promise<UserDto> {
    return this.auth.register(body.username, body.password);
  }

  @Post('login')
  @ApiOperation({ summary: 'Log in: an access token (socket handshake, Bearer) and a refresh token' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'wrong username or password' })
  login(@Body() body: LoginDto): Promise<TokensDto> {
    return this.auth.login(body.username, body.password);
  }

  @Post('refresh')
  @ApiOperation({ summary: 'Trade a refresh token for new tokens (rotation: the old one stops working)' })
  @HttpCode(200)
  @ApiOkResponse({ type: TokensDto, description: 'new tokens; the presented refresh token stops working' })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'unknown, expired or already used refresh token' })
  refresh(@Body() body: RefreshDto): Promise<TokensDto> {
    return this.auth.refresh(body.refreshToken);
  }
}
