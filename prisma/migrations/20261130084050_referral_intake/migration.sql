-- AlterTable
ALTER TABLE "Referral" ADD COLUMN     "caseIdHash" TEXT,
ADD COLUMN     "duplicateOfId" UUID,
ADD COLUMN     "duplicateReason" TEXT,
ADD COLUMN     "nameDobHash" TEXT,
ADD COLUMN     "raisedBy" TEXT,
ADD COLUMN     "siblingGroupId" UUID,
ADD COLUMN     "sourceDigest" TEXT;

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "digest" TEXT NOT NULL,
    "scopes" TEXT[],
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Referral_caseIdHash_idx" ON "Referral"("caseIdHash");

-- CreateIndex
CREATE INDEX "Referral_nameDobHash_idx" ON "Referral"("nameDobHash");

-- CreateIndex
CREATE INDEX "Referral_siblingGroupId_idx" ON "Referral"("siblingGroupId");

