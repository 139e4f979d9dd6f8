import { Controller, Get, Query } from '@nestjs/common';
import { Authz, type AuthzContext, CheckPolicies } from '@bastion/authz';
import { DocumentsListService, type DocumentSummary } from './documents-list.service';
import { ListDocumentsV2Query } from './dto/list-documents.dto';
import { Authorized, RequiredScopes, Secured } from '../docs/api-docs.decorators';
import { DocumentPageV2Schema } from '../docs/response-schemas';
import { ApiOkResponse } from '@nestjs/swagger';

/** `/v2/documents`: keyset pagination and lean list items. */
@Secured('jwt', 'api-key', 'oidc')
@Authorized()
@Controller({ path: 'documents', version: '2' })
export class DocumentsV2Controller {
  constructor(private readonly lists: DocumentsListService) {}

  @RequiredScopes('documents:read')
  @CheckPolicies({ action: 'read', subject: 'Document' })
  @ApiOkResponse({ type: DocumentPageV2Schema })
  @Get()
  list(@Authz() ctx: AuthzContext, @Query() query: ListDocumentsV2Query): Promise<{ items: DocumentSummary[]; nextCursor: string | null }> {
    return this.lists.pageV2(ctx, query.limit, query.cursor);
  }
}
