import { Controller, Get, Query } from '@nestjs/common';
import { Auth, type AuthPrincipal, CurrentPrincipal, Scopes } from '@bastion/auth';
import { DocumentsListService, type DocumentSummary } from './documents-list.service';
import { ListDocumentsV2Query } from './dto/list-documents.dto';

/** `/v2/documents`: keyset pagination and lean list items. */
@Auth('jwt', 'api-key')
@Controller({ path: 'documents', version: '2' })
export class DocumentsV2Controller {
  constructor(private readonly lists: DocumentsListService) {}

  @Scopes('documents:read')
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal, @Query() query: ListDocumentsV2Query): Promise<{ items: DocumentSummary[]; nextCursor: string | null }> {
    return this.lists.pageV2(principal, query.limit, query.cursor);
  }
}
