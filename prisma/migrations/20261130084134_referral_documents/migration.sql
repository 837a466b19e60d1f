-- CreateTable
CREATE TABLE "ReferralDocument" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "contentType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "contentEnvelope" TEXT,
    "uploadedBy" TEXT NOT NULL,
    "uploadedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "erasedAt" TIMESTAMP(3),

    CONSTRAINT "ReferralDocument_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DocumentRequest" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "kinds" TEXT[],
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMP(3),
    "releasedBy" TEXT,

    CONSTRAINT "DocumentRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DocumentRelease" (
    "id" UUID NOT NULL,
    "documentId" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "releasedBy" TEXT NOT NULL,
    "releasedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DocumentRelease_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReferralDocument_referralId_idx" ON "ReferralDocument"("referralId");

-- CreateIndex
CREATE INDEX "DocumentRequest_referralId_idx" ON "DocumentRequest"("referralId");

-- CreateIndex
CREATE INDEX "DocumentRequest_deliveryId_idx" ON "DocumentRequest"("deliveryId");

-- CreateIndex
CREATE INDEX "DocumentRelease_deliveryId_idx" ON "DocumentRelease"("deliveryId");

-- CreateIndex
CREATE UNIQUE INDEX "DocumentRelease_documentId_deliveryId_key" ON "DocumentRelease"("documentId", "deliveryId");

-- AddForeignKey
ALTER TABLE "ReferralDocument" ADD CONSTRAINT "ReferralDocument_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DocumentRequest" ADD CONSTRAINT "DocumentRequest_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DocumentRequest" ADD CONSTRAINT "DocumentRequest_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DocumentRelease" ADD CONSTRAINT "DocumentRelease_documentId_fkey" FOREIGN KEY ("documentId") REFERENCES "ReferralDocument"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DocumentRelease" ADD CONSTRAINT "DocumentRelease_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
