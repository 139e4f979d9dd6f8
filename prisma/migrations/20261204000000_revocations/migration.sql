-- CreateTable
CREATE TABLE "revocations" (
    "seq" BIGSERIAL NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "subject" VARCHAR(64) NOT NULL,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "revoked_before" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT clock_timestamp(),

    CONSTRAINT "revocations_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "revocations_created_at_idx" ON "revocations"("created_at");

-- CreateIndex
CREATE INDEX "revocations_expires_at_idx" ON "revocations"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "revocations_kind_subject_key" ON "revocations"("kind", "subject");

