-- AlterTable
ALTER TABLE "ChatPost" ADD COLUMN     "item" JSONB,
ADD COLUMN     "messageId" TEXT,
ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "renderHash" TEXT;

-- CreateIndex
CREATE INDEX "ChatPost_chatLinkId_messageId_idx" ON "ChatPost"("chatLinkId", "messageId");

