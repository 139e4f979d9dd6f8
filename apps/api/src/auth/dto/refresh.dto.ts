import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

/** `POST /v1/auth/refresh` and `POST /v1/auth/logout`. */
export class RefreshDto {
  @ApiProperty({ example: 'bst_rt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG', pattern: '^bst_rt_[A-Za-z0-9_-]{43}$', description: 'The refresh token of the last pair; single use.' })
  @IsString()
  @MaxLength(100)
  @Matches(/^bst_rt_[A-Za-z0-9_-]{43}$/, { message: 'refreshToken is not a refresh token' })
  refreshToken!: string;
}
