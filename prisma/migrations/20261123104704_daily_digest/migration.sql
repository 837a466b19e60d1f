-- CreateEnum
CREATE TYPE "DigestPostState" AS ENUM ('claimed', 'posted', 'failed');

-- CreateTable
CREATE TABLE "DigestPost" (
    "id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "platform" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "state" "DigestPostState" NOT NULL DEFAULT 'claimed',
    "claimedBy" TEXT NOT NULL,
    "claimedAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "messageId" TEXT,
    "postedAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DigestPost_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DigestPost_date_platform_channelId_key" ON "DigestPost"("date", "platform", "channelId");

-- CreateIndex
CREATE INDEX "Decision_responseId_idx" ON "Decision"("responseId");

