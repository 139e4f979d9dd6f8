import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Auth, type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { RateTier } from '../rate-limits/rate-tier.decorator';
import { ApiKeysService } from './api-keys.service';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

/**
 * `/v1/api-keys`: the caller's keys. Managed with a signed-in session only:
 * an API key cannot mint or revoke keys.
 */
@Auth('jwt')
@Controller({ path: 'api-keys', version: '1' })
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @RateTier('apiKeyCreate')
  @Post()
  create(@CurrentPrincipal() principal: AuthPrincipal, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(principal, dto);
  }

  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(principal);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentPrincipal() principal: AuthPrincipal, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<void> {
    await this.apiKeys.revoke(principal, id);
  }
}
