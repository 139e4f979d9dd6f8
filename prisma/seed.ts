import { hash } from 'argon2';
import type { PrismaClient } from '@bastion/database';
import { DEMO_POLICY } from '../apps/api/src/authz/demo-policy';
import { encryptedClient, openFieldKeys } from '../apps/api/src/encryption/field-keys';
import { seedDemoOAuthClients } from './seed-oauth-clients';

/** The password every demo user has. Demo only: the seed refuses to run in production. */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';

/** The demo users, as the README lists them. */
export const DEMO_USERS = [
  { email: 'admin@example.com', displayName: 'Ada Admin', role: 'admin', department: 'security', tenant: 'acme', phone: '+15550100' },
  { email: 'alice@example.com', displayName: 'Alice Editor', role: 'editor', department: 'engineering', tenant: 'acme', phone: '+15550101' },
  { email: 'bob@example.com', displayName: 'Bob Viewer', role: 'viewer', department: 'sales', tenant: 'acme', phone: '+15550102' },
  { email: 'mallory@example.com', displayName: 'Mallory Editor', role: 'editor', department: 'engineering', tenant: 'globex', phone: '+15550199' },
] as const;

// Acme runs the service (its admins manage the shared role policies and read every tenant's audit events); Globex
// is a customer tenant, as a signed-up one would be.
const TENANTS = [
  { slug: 'acme', name: 'Acme Corporation', operator: true },
  { slug: 'globex', name: 'Globex Inc.', operator: false },
] as const;

// Fixed ids so that running the seed again finds the same rows.
const DOCUMENTS = [
  { id: '0b6c3c8e-0000-4000-8000-000000000001', tenant: 'acme', owner: 'alice@example.com', title: 'Acme engineering handbook', classification: 'public', department: 'engineering', status: 'published' },
  { id: '0b6c3c8e-0000-4000-8000-000000000002', tenant: 'acme', owner: 'alice@example.com', title: 'Q3 architecture review', classification: 'internal', department: 'engineering', status: 'published' },
  { id: '0b6c3c8e-0000-4000-8000-000000000003', tenant: 'acme', owner: 'alice@example.com', title: 'Incident post-mortem: key leak drill', classification: 'confidential', department: 'engineering', status: 'draft' },
  { id: '0b6c3c8e-0000-4000-8000-000000000004', tenant: 'acme', owner: 'bob@example.com', title: 'Acme price list', classification: 'public', department: 'sales', status: 'published' },
  { id: '0b6c3c8e-0000-4000-8000-000000000005', tenant: 'acme', owner: 'bob@example.com', title: 'Sales pipeline notes', classification: 'internal', department: 'sales', status: 'draft' },
  { id: '0b6c3c8e-0000-4000-8000-000000000006', tenant: 'acme', owner: 'admin@example.com', title: 'Board compensation plan', classification: 'confidential', department: 'sales', status: 'published' },
  { id: '0b6c3c8e-0000-4000-8000-000000000007', tenant: 'globex', owner: 'mallory@example.com', title: 'Globex product brochure', classification: 'public', department: 'engineering', status: 'published' },
  { id: '0b6c3c8e-0000-4000-8000-000000000008', tenant: 'globex', owner: 'mallory@example.com', title: 'Globex roadmap', classification: 'internal', department: 'engineering', status: 'draft' },
  { id: '0b6c3c8e-0000-4000-8000-000000000009', tenant: 'globex', owner: 'mallory@example.com', title: 'Globex acquisition target', classification: 'confidential', department: 'engineering', status: 'draft' },
] as const;

/** argon2id with OWASP's minimum parameters (m=19 MiB, t=2, p=1). */
const ARGON2_OPTIONS = { type: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** What {@link seedDemo} created; rows that already existed are left as they are. */
export interface SeedReport {
  tenants: number;
  users: number;
  documents: number;
  policies: number;
  oauthClients: number;
}

/**
 * Fills the demo tenants, users and documents. Idempotent: rows that exist
 * (same slug, email or id) are not touched, so a user's changes survive.
 * Refuses to run when NODE_ENV is production: demo passwords are public.
 */
export async function seedDemo(client: PrismaClient, env: Record<string, string | undefined> = process.env): Promise<SeedReport> {
  if (env.NODE_ENV === 'production') {
    throw new Error('The demo seed refuses to run with NODE_ENV=production: its passwords are public.');
  }
  // Through the encrypting client: seeded document bodies and phone numbers are encrypted like any other.
  const keys = await openFieldKeys();
  const prisma = encryptedClient(client, keys);
  const report: SeedReport = { tenants: 0, users: 0, documents: 0, policies: 0, oauthClients: 0 };
  const tenantIds = new Map<string, string>();
  for (const t of TENANTS) {
    const existing = await prisma.tenant.findUnique({ where: { slug: t.slug } });
    const row = existing ?? (await prisma.tenant.create({ data: t }));
    if (!existing) report.tenants += 1;
    // The operator migration marked every tenant that existed as an operator; the demo's customer tenant is not one.
    else if (existing.operator !== t.operator) await prisma.tenant.update({ where: { id: existing.id }, data: { operator: t.operator } });
    tenantIds.set(t.slug, row.id);
  }
  const missing = [];
  for (const u of DEMO_USERS) {
    // Ids only: the seed never needs to decrypt what is there (it may be under keys of another ring).
    if (!(await prisma.user.findUnique({ where: { email: u.email }, select: { id: true } }))) missing.push(u);
  }
  // Hash only for users that will be created: argon2id is meant to be slow.
  const hashes = await Promise.all(missing.map(() => hash(DEMO_PASSWORD, ARGON2_OPTIONS)));
  for (const [i, u] of missing.entries()) {
    await prisma.user.create({
      data: {
        email: u.email,
        displayName: u.displayName,
        role: u.role,
        department: u.department,
        tenantId: tenantIds.get(u.tenant) as string,
        passwordHash: hashes[i] as string,
        phone: u.phone,
      },
    });
    report.users += 1;
  }
  for (const d of DOCUMENTS) {
    if (await prisma.document.findUnique({ where: { id: d.id }, select: { id: true } })) continue;
    const owner = await prisma.user.findUniqueOrThrow({ where: { email: d.owner }, select: { id: true } });
    await prisma.document.create({
      data: {
        id: d.id,
        title: d.title,
        body: `${d.title}. Seeded demo content (${d.classification}).`,
        classification: d.classification,
        department: d.department,
        status: d.status,
        ownerId: owner.id,
        tenantId: tenantIds.get(d.tenant) as string,
      },
    });
    report.documents += 1;
  }
  for (const [role, rules] of Object.entries(DEMO_POLICY) as [keyof typeof DEMO_POLICY, unknown][]) {
    if (await prisma.policy.findUnique({ where: { role } })) continue;
    await prisma.policy.create({ data: { role, rules: rules as never, version: 1 } });
    await prisma.policyHistory.create({ data: { role, rules: rules as never, version: 1 } });
    report.policies += 1;
  }
  report.oauthClients = await seedDemoOAuthClients(prisma, tenantIds);
  return report;
}
