import { BadRequestException, Injectable } from '@nestjs/common';
import type { AuthPrincipal } from '@bastion/auth';
import { type Document, PrismaService, type Prisma } from '@bastion/database';

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
 * Document lists, filtered in the query by the same rules as a single read
 * (a list never shows what a read would refuse). The authorization issue
 * replaces `readableWhere` with CASL's `accessibleBy`.
 */
@Injectable()
export class DocumentsListService {
  constructor(private readonly prisma: PrismaService) {}

  readableWhere(principal: AuthPrincipal): Prisma.DocumentWhereInput {
    const { tid, role, dept } = principal.attributes;
    const tenant = { tenantId: tid };
    if (role === 'admin') return tenant;
    if (role === 'editor') {
      return { ...tenant, OR: [{ classification: { in: ['public', 'internal'] } }, { classification: 'confidential', department: dept }] };
    }
    if (role === 'viewer') return { ...tenant, classification: { in: ['public', 'internal'] } };
    return { id: { in: [] } };
  }

  async pageV1(principal: AuthPrincipal, page = 1, pageSize = 20): Promise<{ items: Document[]; page: number; pageSize: number; total: number }> {
    const where = this.readableWhere(principal);
    const [items, total] = await this.prisma.$transaction([
      this.prisma.document.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: (page - 1) * pageSize, take: pageSize }),
      this.prisma.document.count({ where }),
    ]);
    return { items, page, pageSize, total };
  }

  async pageV2(principal: AuthPrincipal, limit = 20, cursor?: string): Promise<{ items: DocumentSummary[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor) : undefined;
    const where: Prisma.DocumentWhereInput = after
      ? {
          AND: [
            this.readableWhere(principal),
            { OR: [{ createdAt: { lt: new Date(after.createdAt) } }, { createdAt: new Date(after.createdAt), id: { lt: after.id } }] },
          ],
        }
      : this.readableWhere(principal);
    const rows = await this.prisma.document.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: { id: true, title: true, classification: true, department: true, status: true, updatedAt: true, createdAt: true },
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ createdAt: _c, ...summary }) => summary),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
  }
}
