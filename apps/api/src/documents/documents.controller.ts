import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { Auth, type AuthPrincipal, CurrentPrincipal, Scopes } from '@bastion/auth';
import type { Document } from '@bastion/database';
import { DocumentsService } from './documents.service';
import { CreateDocumentDto } from './dto/create-document.dto';

/** `/v1/documents`: read with a token or an API key with `documents:read`; write needs `documents:write`. */
@Auth('jwt', 'api-key')
@Controller({ path: 'documents', version: '1' })
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

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
