import { BadRequestException, Injectable } from '@nestjs/common';
import { type AuthzContext, AuthzService } from '@bastion/authz';
import { type Document, PrismaService, type Prisma } from '@bastion/database';
import { DocumentsService } from './documents.service';
import { tenantOf } from '../authz/tenant';

/** A v2 list item: what a list needs, not the body. */
export interface DocumentSummary {
  id: string;
  title: string;
  classification: string;
  department: string;
  status: string;
  updatedAt: Date;
}

interface Cursor {
  createdAt: string;
  id: string;
}

function encodeCursor(doc: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify({ createdAt: doc.createdAt.toISOString(), id: doc.id })).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.createdAt === 'string' && !Number.isNaN(Date.parse(c.createdAt)) && typeof c.id === 'string' && /^[0-9a-f-]{36}$/.test(c.id)) {
      return { createdAt: c.createdAt, id: c.id };
    }
  } catch {
    // fall through
  }
  throw new BadRequestException({
    message: 'The request is not valid',
    code: 'ERR_VALIDATION',
    errors: [{ field: 'cursor', message: 'cursor is not a cursor from a previous page' }],
  });
}

/**
 * Document lists, filtered in the query with CASL's `accessibleBy`: a list
 * never shows what a read would refuse, and never another tenant's rows.
 */
@Injectable()
export class DocumentsListService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly authz: AuthzService,
    private readonly documents: DocumentsService,
  ) {}

  private readable(ctx: AuthzContext): Prisma.DocumentWhereInput {
    return { AND: [{ tenantId: tenantOf(ctx) }, this.authz.accessibleWhere(ctx.ability, 'read', 'Document') as Prisma.DocumentWhereInput] };
  }

  async pageV1(ctx: AuthzContext, page = 1, pageSize = 20): Promise<{ items: Partial<Document>[]; page: number; pageSize: number; total: number }> {
    const where = this.readable(ctx);
    const [rows, total] = await this.prisma.$transaction([
      this.prisma.document.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize }),
      this.prisma.document.count({ where }),
    ]);
    return { items: rows.map((d) => this.documents.view(ctx, d)), page, pageSize, total };
  }

  async pageV2(ctx: AuthzContext, limit = 20, cursor?: string): Promise<{ items: DocumentSummary[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor) : undefined;
    const where: Prisma.DocumentWhereInput = after
      ? { AND: [this.readable(ctx), { OR: [{ createdAt: { lt: new Date(after.createdAt) } }, { createdAt: new Date(after.createdAt), id: { lt: after.id } }] }] }
      : this.readable(ctx);
    const rows = await this.prisma.document.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1, omit: { body: true } });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const summaryFields = ['id', 'title', 'classification', 'department', 'status', 'updatedAt'];
    return {
      // The same field-level read rules as v1 (and a single read), on the lean shape.
      items: page.map((d) => {
        const visible = this.documents.view(ctx, { ...d, body: '' } as Document);
        return Object.fromEntries(summaryFields.filter((f) => Object.hasOwn(visible, f)).map((f) => [f, visible[f as keyof Document]])) as unknown as DocumentSummary;
      }),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}
