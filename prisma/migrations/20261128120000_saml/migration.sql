-- CreateTable
CREATE TABLE "saml_identity_providers" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "entity_id" VARCHAR(512) NOT NULL,
    "entry_point" VARCHAR(2048) NOT NULL,
    "certificates" TEXT[],
    "allow_idp_initiated" BOOLEAN NOT NULL DEFAULT false,
    "group_roles" JSONB NOT NULL DEFAULT '{}',
    "default_role" "Role" NOT NULL DEFAULT 'viewer',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "saml_identity_providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "saml_identities" (
    "id" UUID NOT NULL,
    "idp_key" VARCHAR(64) NOT NULL,
    "name_id" VARCHAR(512) NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_login_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saml_identities_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "saml_identity_providers_entity_id_key" ON "saml_identity_providers"("entity_id");

-- CreateIndex
CREATE INDEX "saml_identity_providers_tenant_id_idx" ON "saml_identity_providers"("tenant_id");

-- CreateIndex
CREATE INDEX "saml_identities_user_id_idx" ON "saml_identities"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "saml_identities_idp_key_name_id_key" ON "saml_identities"("idp_key", "name_id");

-- AddForeignKey
ALTER TABLE "saml_identity_providers" ADD CONSTRAINT "saml_identity_providers_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "saml_identities" ADD CONSTRAINT "saml_identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Admins manage their own tenant's SAML identity providers (a data change for installs seeded before it existed).
UPDATE "policies"
SET "rules" = "rules" || '[{"action": "manage", "subject": "SamlIdentityProvider", "conditions": {"tenantId": "${user.tenantId}"}}]'::jsonb,
    "version" = (SELECT COALESCE(MAX("version"), 0) + 1 FROM "policies")
WHERE "role" = 'admin' AND NOT "rules" @> '[{"subject": "SamlIdentityProvider"}]'::jsonb;
