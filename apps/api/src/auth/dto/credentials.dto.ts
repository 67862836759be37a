import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from '@chat/contracts';
import { IsString, Length, Matches } from 'class-validator';

export class RegisterDto {
  @ApiProperty({ example: 'alice', minLength: 3, maxLength: 32, pattern: '^[A-Za-z0-9_.-]+$' })
  @IsString()
  @Length(3, 32)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'username may contain only letters, digits, "_", "." and "-"' })
  username: string;

  @ApiProperty({ example: 'correct horse battery', minLength: 8, maxLength: 128 })
  @IsString()
  @Length(8, 128)
  password: string;
}

export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 32)
  username: string;

  @ApiProperty({ example: 'correct horse battery' })
  @IsString()
  @Length(1, 128)
  password: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login or the previous refresh' })
  @IsString()
  @Length(1, 512)
  refreshToken: string;
}

export class UserDto {
  @ApiProperty({ example: '665f1a2b3c4d5e6f70819203' }) id: string;
  @ApiProperty({ example: 'alice' }) username: string;
}

export class TokensDto {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer` and the socket handshake' })
  accessToken: string;
  @ApiProperty({ description: 'Opaque, single use: each refresh returns a new one' }) refreshToken: string;
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expiresIn: number;
  @ApiProperty({ type: UserDto }) user: UserDto;
}

export class ErrorDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'username must be longer than or equal to 3 characters' }) message: string;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiPropertyOptional({
    enum: ErrorCode,
    enumName: 'ErrorCode',
    description: 'the error code, where one applies (the same codes as the socket acks)',
    example: ErrorCode.VALIDATION,
  })
  code?: ErrorCode;
  @ApiPropertyOptional({
    description: '500 only: quote it to the operator; the logs hold the stack under this id',
    example: '8d0f1c7e-4a43-4d8e-9a0e-4f4b8f3c2a11',
  })
  errorId?: string;
}
