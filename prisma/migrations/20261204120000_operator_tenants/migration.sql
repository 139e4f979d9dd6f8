-- Operator tenants: their admins manage the shared role policies and read every tenant's audit events.
ALTER TABLE "tenants" ADD COLUMN "operator" BOOLEAN NOT NULL DEFAULT false;

-- Tenants that exist before this migration were created by operators (the seed, or an operator's own script), so
-- they keep the powers their admins had. The exception is a tenant made by open sign-up between the accounts
-- migration and this one: its slug is `t-` and 16 hex digits (AccountsService), and a stranger's tenant must not
-- become an operator. Tenants created from now on, sign-ups among them, are not operators.
UPDATE "tenants" SET "operator" = true WHERE "slug" !~ '^t-[0-9a-f]{16}$';
