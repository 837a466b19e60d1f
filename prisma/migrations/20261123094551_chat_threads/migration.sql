-- CreateEnum
CREATE TYPE "ProviderMessageState" AS ENUM ('pending', 'sent', 'failed');

-- AlterTable
ALTER TABLE "Referral" ADD COLUMN     "sourceKey" TEXT;

-- AlterTable
ALTER TABLE "ChatLink" ADD COLUMN     "cardHash" TEXT,
ADD COLUMN     "dirtySince" TIMESTAMP(3),
ALTER COLUMN "threadId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "ChatPost" (
    "id" UUID NOT NULL,
    "chatLinkId" UUID NOT NULL,
    "itemKey" TEXT NOT NULL,
    "postedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatPost_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProviderMessage" (
    "id" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "text" TEXT,
    "dedupeKey" TEXT NOT NULL,
    "createdBy" TEXT,
    "state" "ProviderMessageState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ProviderMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ChatPost_chatLinkId_itemKey_key" ON "ChatPost"("chatLinkId", "itemKey");

-- CreateIndex
CREATE INDEX "ProviderMessage_state_idx" ON "ProviderMessage"("state");

-- CreateIndex
CREATE UNIQUE INDEX "ProviderMessage_deliveryId_kind_dedupeKey_key" ON "ProviderMessage"("deliveryId", "kind", "dedupeKey");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_sourceKey_key" ON "Referral"("sourceKey");

-- CreateIndex
CREATE INDEX "ChatLink_dirtySince_idx" ON "ChatLink"("dirtySince");

-- AddForeignKey
ALTER TABLE "ChatPost" ADD CONSTRAINT "ChatPost_chatLinkId_fkey" FOREIGN KEY ("chatLinkId") REFERENCES "ChatLink"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderMessage" ADD CONSTRAINT "ProviderMessage_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

