import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { SecurityEvents } from '../audit/security-events.service';
import type { ClientRequest } from '../common/client-request';
import { type AuthPrincipal, CurrentPrincipal } from '@bastion/auth';
import { RateTier } from '../rate-limits/rate-tier.decorator';
import { ApiKeysService } from './api-keys.service';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { Secured } from '../docs/api-docs.decorators';
import { ApiKeySchema, CreatedApiKeySchema } from '../docs/response-schemas';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';

/**
 * `/v1/api-keys`: the caller's keys. Managed with a signed-in session only:
 * an API key cannot mint or revoke keys.
 */
@Secured('jwt')
@Controller({ path: 'api-keys', version: '1' })
export class ApiKeysController {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly events: SecurityEvents,
  ) {}

  @RateTier('apiKeyCreate')
  @ApiCreatedResponse({ type: CreatedApiKeySchema })
  @Post()
  async create(@CurrentPrincipal() principal: AuthPrincipal, @Body() dto: CreateApiKeyDto, @Req() req: ClientRequest): Promise<CreatedApiKeyDto> {
    const created = await this.apiKeys.create(principal, dto);
    this.events.record({ action: 'api-key.create', outcome: 'success', target: { type: 'api-key', id: created.id }, details: { scopes: created.scopes, prefix: created.prefix } }, req);
    return created;
  }

  @ApiOkResponse({ type: [ApiKeySchema] })
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(principal);
  }

  @ApiNoContentResponse({ description: 'Revoked.' })
  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentPrincipal() principal: AuthPrincipal, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Req() req: ClientRequest): Promise<void> {
    await this.apiKeys.revoke(principal, id);
    this.events.record({ action: 'api-key.revoke', outcome: 'success', target: { type: 'api-key', id } }, req);
  }
}
