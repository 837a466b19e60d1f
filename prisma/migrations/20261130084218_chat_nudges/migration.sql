-- AlterTable
ALTER TABLE "ChatUser" ADD COLUMN     "mri" TEXT;

-- CreateTable
CREATE TABLE "ChatNudge" (
    "id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "itemKey" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "referralId" UUID NOT NULL,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatNudge_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChatNudge_referralId_idx" ON "ChatNudge"("referralId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatNudge_platform_userId_itemKey_slot_key" ON "ChatNudge"("platform", "userId", "itemKey", "slot");

