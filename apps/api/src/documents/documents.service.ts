import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import type { AuthPrincipal } from '@bastion/auth';
import { type Document, PrismaService, type Prisma } from '@bastion/database';
import { DocumentsListService } from './documents-list.service';
import type { CreateDocumentDto } from './dto/create-document.dto';

/**
 * Documents of the caller's tenant. The rules here are the demo policy
 * written as plain conditions; the authorization issue moves them into
 * CASL abilities and database policies.
 */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly lists: DocumentsListService,
  ) {}

  /** Another tenant's document is "not found" (no existence leak); a forbidden one in the tenant is 403. */
  async read(principal: AuthPrincipal, id: string): Promise<Document> {
    const doc = await this.prisma.document.findFirst({ where: { id, tenantId: principal.attributes.tid } });
    if (!doc) throw new NotFoundException('No such document');
    // The same rule as the lists use, so a read never allows what a list hides.
    const readable = await this.prisma.document.count({ where: { AND: [{ id }, this.lists.readableWhere(principal)] } });
    if (!readable) throw new ForbiddenException('You may not read this document');
    return doc;
  }

  async create(principal: AuthPrincipal, dto: CreateDocumentDto): Promise<Document> {
    const { role, tid, dept } = principal.attributes;
    if (role !== 'admin' && role !== 'editor') throw new ForbiddenException('Only editors and admins create documents');
    const data: Prisma.DocumentUncheckedCreateInput = {
      title: dto.title,
      body: dto.body,
      classification: dto.classification ?? 'internal',
      department: dept as string,
      tenantId: tid as string,
      ownerId: principal.sub,
    };
    return this.prisma.document.create({ data });
  }
}
