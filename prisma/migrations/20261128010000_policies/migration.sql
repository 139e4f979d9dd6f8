-- CreateTable
CREATE TABLE "policies" (
    "role" "Role" NOT NULL,
    "rules" JSONB NOT NULL,
    "version" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" UUID,

    CONSTRAINT "policies_pkey" PRIMARY KEY ("role")
);

-- CreateTable
CREATE TABLE "policy_history" (
    "id" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_by" UUID,

    CONSTRAINT "policy_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "policy_history_role_version_key" ON "policy_history"("role", "version");

