-- Accounts (issue 22): sign-up with email verification, invitations, password reset.
-- An unverified sign-up is a user with status 'pending'; every link is one row of account_tokens (SHA-256 only).
-- AlterEnum
ALTER TYPE "UserStatus" ADD VALUE 'pending';

-- CreateTable
CREATE TABLE "invitations" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "email" VARCHAR(254) NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "invited_by" UUID NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "accepted_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invitations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_tokens" (
    "id" UUID NOT NULL,
    "purpose" VARCHAR(32) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "user_id" UUID,
    "invitation_id" UUID,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "invitations_tenant_id_created_at_idx" ON "invitations"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "account_tokens_token_hash_key" ON "account_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "account_tokens_user_id_purpose_idx" ON "account_tokens"("user_id", "purpose");

-- CreateIndex
CREATE INDEX "account_tokens_invitation_id_idx" ON "account_tokens"("invitation_id");

-- CreateIndex
CREATE INDEX "account_tokens_expires_at_idx" ON "account_tokens"("expires_at");

-- AddForeignKey
ALTER TABLE "invitations" ADD CONSTRAINT "invitations_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_tokens" ADD CONSTRAINT "account_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_tokens" ADD CONSTRAINT "account_tokens_invitation_id_fkey" FOREIGN KEY ("invitation_id") REFERENCES "invitations"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Admins manage their tenant's invitations: added to an admin policy that an earlier seed wrote, as a new version
-- (a database seeded after this migration gets it from the seed).
UPDATE "policies"
SET "rules" = "rules" || '[{"action":"manage","subject":"Invitation","conditions":{"tenantId":"${user.tenantId}"}}]'::jsonb,
    "version" = (SELECT max("version") + 1 FROM "policies"),
    "updated_at" = CURRENT_TIMESTAMP
WHERE "role" = 'admin' AND NOT "rules" @> '[{"subject":"Invitation"}]'::jsonb;

INSERT INTO "policy_history" ("id", "role", "version", "rules", "updated_at")
SELECT gen_random_uuid(), "role", "version", "rules", "updated_at" FROM "policies"
WHERE "role" = 'admin' AND "rules" @> '[{"subject":"Invitation"}]'::jsonb
  AND NOT EXISTS (SELECT 1 FROM "policy_history" h WHERE h."role" = 'admin' AND h."version" = "policies"."version");
