/**
 * The `audit_events` table and its indexes, exactly as `prisma migrate diff` writes them for the model in the README,
 * so a migration made of this text shows no drift. Put it in a migration; the lib never creates tables.
 *
 * `seq` is a plain `BIGINT`, not a sequence: the writer assigns `last + 1` under its lock, so a rolled-back batch
 * leaves no gap and any gap means a deleted row.
 */
export const AUDIT_EVENTS_TABLE_SQL = `-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGINT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "action" VARCHAR(64) NOT NULL,
    "outcome" VARCHAR(16) NOT NULL,
    "actor_type" VARCHAR(32) NOT NULL,
    "actor_id" VARCHAR(64),
    "tenant_id" UUID,
    "target_type" VARCHAR(32),
    "target_id" VARCHAR(64),
    "client_address" VARCHAR(64),
    "user_agent" VARCHAR(512),
    "request_id" VARCHAR(128),
    "details" JSONB NOT NULL DEFAULT '{}',
    "prev_hash" CHAR(64) NOT NULL,
    "hash" CHAR(64) NOT NULL,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "audit_events_action_occurred_at_idx" ON "audit_events"("action", "occurred_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_actor_id_occurred_at_idx" ON "audit_events"("actor_id", "occurred_at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_occurred_at_idx" ON "audit_events"("occurred_at" DESC);
`;
