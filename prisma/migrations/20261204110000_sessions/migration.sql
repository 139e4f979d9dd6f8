-- Sessions (issue 22): a session is a refresh-token family; its id is the family id.

-- CreateTable
CREATE TABLE "sessions" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "label" VARCHAR(120) NOT NULL,
    "address" VARCHAR(64),
    "amr" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "end_reason" VARCHAR(32),

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sessions_user_id_ended_at_idx" ON "sessions"("user_id", "ended_at");

-- Every family that exists already becomes a session (how it signed in and from where were never recorded),
-- so that the foreign key below holds and the families stay listable and revocable.
INSERT INTO "sessions" ("id", "user_id", "label", "amr", "created_at", "last_used_at", "expires_at", "ended_at", "end_reason")
SELECT "family_id", MIN("user_id"::text)::uuid, 'Unknown device', ARRAY[]::TEXT[], MIN("created_at"), MAX("created_at"), MAX("family_expires_at"),
       MAX("revoked_at"), CASE WHEN MAX("revoked_at") IS NULL THEN NULL ELSE 'revoked' END
FROM "refresh_tokens"
GROUP BY "family_id";

-- AddForeignKey
ALTER TABLE "refresh_tokens" ADD CONSTRAINT "refresh_tokens_family_id_fkey" FOREIGN KEY ("family_id") REFERENCES "sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
