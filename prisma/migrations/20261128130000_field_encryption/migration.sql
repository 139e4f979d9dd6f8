-- AlterTable
ALTER TABLE "users" ADD COLUMN     "phone" TEXT,
ADD COLUMN     "phone_index" CHAR(64);

-- CreateIndex
CREATE INDEX "users_phone_index_idx" ON "users"("phone_index");

