import { ApiProperty } from '@nestjs/swagger';
/** The answer of login and refresh (RFC 6749 §5.1 names, camel-cased). */
export class TokenPairDto {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2ln', description: 'ES256 JWT (RFC 9068); send as `Authorization: Bearer`.' })
  accessToken!: string;
  @ApiProperty({ example: 'bst_rt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG', description: 'Opaque, single use; rotate it with POST /v1/auth/refresh.' })
  refreshToken!: string;
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  tokenType!: 'Bearer';
  /** Seconds until the access token expires. */
  @ApiProperty({ example: 900 })
  expiresIn!: number;
}
