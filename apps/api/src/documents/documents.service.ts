import { Injectable, NotFoundException } from '@nestjs/common';
import { type AuthzContext, AuthzService } from '@bastion/authz';
import { type Document, PrismaService } from '@bastion/database';
import type { CreateDocumentDto } from './dto/create-document.dto';
import type { UpdateDocumentDto } from './dto/update-document.dto';
import { tenantOf } from '../authz/tenant';

/** Every field a document has; a response holds the ones the caller may read. */
export const DOCUMENT_FIELDS = ['id', 'tenantId', 'ownerId', 'title', 'body', 'classification', 'department', 'status', 'createdAt', 'updatedAt'];

/**
 * Documents of the caller's tenant, checked object by object against the
 * caller's CASL ability. Another tenant's document is "not found" (no
 * existence leak); a forbidden one in the tenant is 403.
 */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
  ) {}

  /** Loads a document of the caller's tenant, or 404. */
  async load(ctx: AuthzContext, id: string): Promise<Document> {
    const doc = await this.prisma.document.findFirst({ where: { id, tenantId: tenantOf(ctx) } });
    if (!doc) throw new NotFoundException('No such document');
    return doc;
  }

  /** The fields of `doc` the caller may read. */
  view(ctx: AuthzContext, doc: Document): Partial<Document> {
    const fields = this.authz.permittedFields(ctx.ability, 'read', 'Document', doc as never, DOCUMENT_FIELDS);
    return Object.fromEntries(fields.map((f) => [f, doc[f as keyof Document]])) as Partial<Document>;
  }

  async read(ctx: AuthzContext, id: string): Promise<Partial<Document>> {
    const doc = await this.load(ctx, id);
    this.authz.assert(ctx.principal, ctx.ability, 'read', 'Document', doc as never);
    return this.view(ctx, doc);
  }

  async create(ctx: AuthzContext, dto: CreateDocumentDto): Promise<Partial<Document>> {
    // Tenant, owner and department come from the caller, never from the body.
    const data = {
      title: dto.title,
      body: dto.body,
      classification: dto.classification ?? 'internal',
      status: 'draft' as const,
      department: ctx.principal.attributes.department as string,
      tenantId: tenantOf(ctx),
      ownerId: ctx.principal.id,
    };
    this.authz.assert(ctx.principal, ctx.ability, 'create', 'Document', data);
    return this.view(ctx, await this.prisma.document.create({ data }));
  }

  async update(ctx: AuthzContext, id: string, dto: UpdateDocumentDto): Promise<Partial<Document>> {
    const doc = await this.load(ctx, id);
    const fields = Object.keys(dto).filter((k) => dto[k as keyof UpdateDocumentDto] !== undefined);
    this.authz.assert(ctx.principal, ctx.ability, 'update', 'Document', doc as never);
    // Each field on its own: a write naming a field the caller may not set is refused, never silently dropped.
    for (const field of fields) this.authz.assert(ctx.principal, ctx.ability, 'update', 'Document', doc as never, field);
    // The document as it would be must still be one the caller may update (no moving it out of reach).
    this.authz.assert(ctx.principal, ctx.ability, 'update', 'Document', { ...doc, ...dto } as never);
    const updated = await this.prisma.document.update({ where: { id: doc.id }, data: dto });
    return this.view(ctx, updated);
  }

  async remove(ctx: AuthzContext, id: string): Promise<void> {
    const doc = await this.load(ctx, id);
    this.authz.assert(ctx.principal, ctx.ability, 'delete', 'Document', doc as never);
    await this.prisma.document.delete({ where: { id: doc.id } });
  }
}
