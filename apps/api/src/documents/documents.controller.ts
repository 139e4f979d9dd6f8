import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { Authz, type AuthzContext, CheckPolicies } from '@bastion/authz';
import type { Document } from '@bastion/database';
import { DocumentsListService } from './documents-list.service';
import { DocumentsService } from './documents.service';
import { CreateDocumentDto } from './dto/create-document.dto';
import { ListDocumentsV1Query } from './dto/list-documents.dto';
import { UpdateDocumentDto } from './dto/update-document.dto';
import { Authorized, RequiredScopes, Secured, Successor } from '../docs/api-docs.decorators';
import { DocumentPageV1Schema, DocumentSchema } from '../docs/response-schemas';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';

/**
 * Routes on one document decide per object in the service, after loading
 * it within the caller's tenant: another tenant's id is a 404 whatever the
 * caller's role, a forbidden one of the tenant a 403. A function-level
 * refusal first would answer 403 for ids of other tenants too.
 */
const CHECKED_PER_OBJECT = (): boolean => true;

/**
 * `/v1/documents`: a bearer token, or an API key with `documents:read` /
 * `documents:write`; then the caller's CASL ability decides, row by row.
 */
@Secured('jwt', 'api-key', 'oidc')
@Authorized()
@Controller({ path: 'documents', version: '1' })
export class DocumentsController {
  constructor(
    private readonly documents: DocumentsService,
    private readonly lists: DocumentsListService,
  ) {}

  @RequiredScopes('documents:read')
  @CheckPolicies({ action: 'read', subject: 'Document' })
  @Successor('/v2/documents')
  @ApiOkResponse({ type: DocumentPageV1Schema })
  @Get()
  list(@Authz() ctx: AuthzContext, @Query() query: ListDocumentsV1Query) {
    return this.lists.pageV1(ctx, query.page, query.pageSize);
  }

  @RequiredScopes('documents:read')
  @CheckPolicies(CHECKED_PER_OBJECT)
  @ApiOkResponse({ type: DocumentSchema })
  @Get(':id')
  read(@Authz() ctx: AuthzContext, @Param('id', new ParseUUIDPipe()) id: string): Promise<Partial<Document>> {
    return this.documents.read(ctx, id);
  }

  @RequiredScopes('documents:write')
  @CheckPolicies({ action: 'create', subject: 'Document' })
  @ApiCreatedResponse({ type: DocumentSchema })
  @Post()
  create(@Authz() ctx: AuthzContext, @Body() dto: CreateDocumentDto): Promise<Partial<Document>> {
    return this.documents.create(ctx, dto);
  }

  @RequiredScopes('documents:write')
  @CheckPolicies(CHECKED_PER_OBJECT)
  @ApiOkResponse({ type: DocumentSchema })
  @Patch(':id')
  update(@Authz() ctx: AuthzContext, @Param('id', new ParseUUIDPipe()) id: string, @Body() dto: UpdateDocumentDto): Promise<Partial<Document>> {
    return this.documents.update(ctx, id, dto);
  }

  @RequiredScopes('documents:write')
  @CheckPolicies(CHECKED_PER_OBJECT)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @Delete(':id')
  @HttpCode(204)
  async remove(@Authz() ctx: AuthzContext, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.documents.remove(ctx, id);
  }
}
