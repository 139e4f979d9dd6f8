import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { SuccessorVersion } from '@bastion/versioning';
import { Auth, type AuthPrincipal, CurrentPrincipal, Scopes } from '@bastion/auth';
import type { Document } from '@bastion/database';
import { DocumentsListService } from './documents-list.service';
import { DocumentsService } from './documents.service';
import { ListDocumentsV1Query } from './dto/list-documents.dto';
import { CreateDocumentDto } from './dto/create-document.dto';

/** `/v1/documents`: read with a token or an API key with `documents:read`; write needs `documents:write`. */
@Auth('jwt', 'api-key')
@Controller({ path: 'documents', version: '1' })
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly lists: DocumentsListService,
  ) {}

  @Scopes('documents:read')
  @SuccessorVersion('/v2/documents')
  @Get()
  list(@CurrentPrincipal() principal: AuthPrincipal, @Query() query: ListDocumentsV1Query) {
    return this.lists.pageV1(principal, query.page, query.pageSize);
  }

  @Scopes('documents:read')
  @Get(':id')
  read(@CurrentPrincipal() principal: AuthPrincipal, @Param('id', new ParseUUIDPipe()) id: string): Promise<Document> {
    return this.documents.read(principal, id);
  }

  @Scopes('documents:write')
  @Post()
  create(@CurrentPrincipal() principal: AuthPrincipal, @Body() dto: CreateDocumentDto): Promise<Document> {
    return this.documents.create(principal, dto);
  }
}
