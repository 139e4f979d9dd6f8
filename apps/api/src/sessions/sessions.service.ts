import { Injectable, NotFoundException } from '@nestjs/common';
import { RefreshTokenService, RevocationList } from '@bastion/auth';
import { PrismaService, type Session } from '@bastion/database';
import type { ClientRequest } from '../common/client-request';
import { coarseAddress, sessionLabel } from './session-label';

/** Why a session ended, as the list shows it (`sessions.end_reason`). */
export type SessionEndReason = 'logout' | 'ended' | 'others' | 'admin';

/** How many live sessions a list shows (newest use first); older ones still work and can be ended. */
const LIST_LIMIT = 100;

/** A session as listed: never the user agent header, the full address or a token. */
export interface SessionView {
  id: string;
  label: string;
  address: string | null;
  amr: string[];
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  current: boolean;
}

const header = (req: ClientRequest, name: string) => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Sessions: one per sign-in (password, OIDC, SAML), and the same one for
 * every refresh of it. A session *is* a refresh-token family: its id is the
 * family id and the `sid` claim of its access tokens, so that ending it
 * needs no mapping table, and a family revoked for any reason (logout, reuse,
 * a password change) is a session ended.
 *
 * Ending a session, in this order: a durable `session` revocation (every
 * instance refuses its access tokens within a poll, at once on this one, and
 * a Redis flush forgets nothing), the row marked ended, the refresh family
 * revoked. A failure part-way leaves its tokens refused; repeating completes it.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly revocations: RevocationList,
  ) {}

  /** Records a new sign-in; its id is the refresh family (and `sid`) to issue tokens under. */
  async start(userId: string, amr: string[], req: ClientRequest): Promise<{ id: string; expiresAt: Date }> {
    const family = this.refreshTokens.newFamily();
    await this.prisma.session.create({
      data: { id: family.id, userId, amr, label: sessionLabel(header(req, 'user-agent')), address: coarseAddress(req.ip), expiresAt: family.expiresAt },
    });
    return family;
  }

  /** Marks a refresh of `id`; false when the session has ended (its family must not go on). */
  async touch(id: string, req: ClientRequest): Promise<boolean> {
    const { count } = await this.prisma.session.updateMany({
      where: { id, endedAt: null },
      data: { lastUsedAt: new Date(), address: coarseAddress(req.ip) },
    });
    return count === 1;
  }

  /** The live sessions of `userId`, most recently used first; `currentId` is marked. */
  async list(userId: string, currentId?: string): Promise<SessionView[]> {
    const rows = await this.prisma.session.findMany({
      where: { userId, endedAt: null, expiresAt: { gt: new Date() } },
      orderBy: [{ lastUsedAt: 'desc' }, { id: 'asc' }],
      take: LIST_LIMIT,
    });
    return rows.map((s) => this.view(s, currentId));
  }

  /**
   * Ends session `id` of `userId`. 404 when it is not theirs or never
   * existed (another user's id tells nothing); ending an ended one again is
   * a no-op that still answers success.
   */
  async end(userId: string, id: string, reason: SessionEndReason): Promise<void> {
    const session = await this.prisma.session.findFirst({ where: { id, userId }, select: { id: true, endedAt: true } });
    if (!session) throw new NotFoundException({ message: 'No such session', code: 'ERR_SESSION_NOT_FOUND' });
    await this.endIds([id], reason);
  }

  /** Ends every live session of `userId` but `keepId`; returns how many ended. */
  async endAll(userId: string, reason: SessionEndReason, keepId?: string): Promise<number> {
    const live = await this.prisma.session.findMany({
      where: { userId, endedAt: null, expiresAt: { gt: new Date() }, ...(keepId ? { id: { not: keepId } } : {}) },
      select: { id: true },
    });
    await this.endIds(
      live.map((s) => s.id),
      reason,
    );
    return live.length;
  }

  private async endIds(ids: string[], reason: SessionEndReason): Promise<void> {
    for (const id of ids) {
      await this.revocations.revokeSession(id);
      await this.prisma.session.updateMany({ where: { id, endedAt: null }, data: { endedAt: new Date(), endReason: reason } });
      await this.refreshTokens.revokeFamily(id);
    }
  }

  private view(s: Session, currentId?: string): SessionView {
    return { id: s.id, label: s.label, address: s.address, amr: s.amr, createdAt: s.createdAt, lastUsedAt: s.lastUsedAt, expiresAt: s.expiresAt, current: s.id === currentId };
  }
}
