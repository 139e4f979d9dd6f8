import type { PolicyRule, PolicySchema } from '@bastion/authz';

/** What the demo's policies may name. */
export const POLICY_SCHEMA: PolicySchema = {
  actions: ['manage', 'read', 'create', 'update', 'delete'],
  subjects: {
    // No DateTime fields: CASL's in-memory check compares a Date with a
    // string wrongly, so a date condition would decide differently in a
    // read than in a list.
    Document: ['id', 'tenantId', 'ownerId', 'title', 'body', 'classification', 'department', 'status'],
    User: ['id', 'tenantId', 'email', 'displayName', 'role', 'department', 'status'],
    Policy: ['role', 'rules', 'version'],
    AuditEvent: ['action', 'outcome', 'actorType', 'actorId', 'tenantId', 'targetType', 'targetId'],
    SamlIdentityProvider: ['id', 'tenantId', 'name', 'entityId', 'entryPoint', 'certificates', 'allowIdpInitiated', 'groupRoles', 'defaultRole', 'enabled'],
    Invitation: ['id', 'tenantId', 'email', 'role', 'invitedBy'],
  },
  attributes: ['id', 'tenantId', 'department', 'role'],
};

const TENANT = '${user.tenantId}';
const ME = '${user.id}';

// Everyone: colleagues' display fields, all of one's own profile, and one's own display name.
const PROFILE: PolicyRule[] = [
  { action: 'read', subject: 'User', fields: ['id', 'displayName', 'department'], conditions: { tenantId: TENANT } },
  { action: 'read', subject: 'User', conditions: { id: ME } },
  { action: 'update', subject: 'User', fields: ['displayName'], conditions: { id: ME } },
];

/**
 * The demo policy (seeded into the `policies` table; admins change it at
 * run time). Everything is scoped to the principal's tenant.
 */
export const DEMO_POLICY: Record<'admin' | 'editor' | 'viewer', PolicyRule[]> = {
  admin: [
    { action: 'manage', subject: ['Document', 'User'], conditions: { tenantId: TENANT } },
    { action: 'manage', subject: 'Policy' },
    { action: 'read', subject: 'AuditEvent' },
    { action: 'update', subject: 'User', fields: ['role', 'status'], conditions: { id: ME }, inverted: true, reason: 'Admins cannot change their own role or status' },
    { action: 'manage', subject: 'SamlIdentityProvider', conditions: { tenantId: TENANT } },
    { action: 'manage', subject: 'Invitation', conditions: { tenantId: TENANT } },
  ],
  editor: [
    ...PROFILE,
    { action: 'create', subject: 'Document', conditions: { tenantId: TENANT, ownerId: ME } },
    { action: 'read', subject: 'Document', conditions: { tenantId: TENANT, classification: { in: ['public', 'internal'] } } },
    { action: 'read', subject: 'Document', conditions: { tenantId: TENANT, classification: 'confidential', department: '${user.department}' } },
    { action: 'update', subject: 'Document', fields: ['title', 'body', 'classification', 'status'], conditions: { tenantId: TENANT, ownerId: ME } },
    { action: 'delete', subject: 'Document', conditions: { tenantId: TENANT, ownerId: ME } },
  ],
  viewer: [
    ...PROFILE,
    { action: 'read', subject: 'Document', conditions: { tenantId: TENANT, classification: { in: ['public', 'internal'] } } },
  ],
};

/** What each credential scope allows; a credential with fewer scopes loses the rest. */
export const SCOPE_GRANTS = {
  'profile:read': [{ action: 'read', subject: 'User' }],
  'documents:read': [{ action: 'read', subject: 'Document' }],
  'documents:write': [
    { action: 'create', subject: 'Document' },
    { action: 'update', subject: 'Document' },
    { action: 'delete', subject: 'Document' },
  ],
};
