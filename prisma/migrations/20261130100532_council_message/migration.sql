-- CreateTable
CREATE TABLE "CouncilMessage" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "state" "ProviderMessageState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "sentAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CouncilMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CouncilMessage_state_idx" ON "CouncilMessage"("state");

-- CreateIndex
CREATE UNIQUE INDEX "CouncilMessage_referralId_kind_key" ON "CouncilMessage"("referralId", "kind");

-- AddForeignKey
ALTER TABLE "CouncilMessage" ADD CONSTRAINT "CouncilMessage_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
