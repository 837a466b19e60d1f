-- AlterTable
ALTER TABLE "Referral" ADD COLUMN     "pds" JSONB;

-- CreateTable
CREATE TABLE "PlacementRecord" (
    "referralId" UUID NOT NULL,
    "decisionId" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "weeklyCostPence" INTEGER NOT NULL,
    "location" TEXT NOT NULL,
    "inPreferredLocation" BOOLEAN,
    "educationContinuity" BOOLEAN,
    "providerUrn" TEXT,
    "siblingsPlacedTogether" INTEGER,
    "placementType" TEXT NOT NULL,
    "recordedBy" TEXT NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlacementRecord_pkey" PRIMARY KEY ("referralId")
);

-- AddForeignKey
ALTER TABLE "PlacementRecord" ADD CONSTRAINT "PlacementRecord_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

