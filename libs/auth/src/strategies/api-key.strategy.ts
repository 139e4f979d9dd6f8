import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { ApiKeyService } from '../api-keys/api-key.service.js';
import type { AuthPrincipal } from '../principal.js';

/** The header API keys travel in. Never the query string: it ends up in logs and browser history. */
export const API_KEY_HEADER = 'x-api-key';

/** The `api-key` passport strategy: the `X-API-Key` header, checked by {@link ApiKeyService}. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, 'api-key') {
  constructor(private readonly apiKeys: ApiKeyService) {
    // passReqToCallback must be false: @nestjs/passport treats the last argument as the verify callback.
    super({ header: API_KEY_HEADER, prefix: '' }, false);
  }

  validate(apiKey: string): Promise<AuthPrincipal> {
    return this.apiKeys.verify(apiKey);
  }
}
