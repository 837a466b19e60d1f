-- AlterTable
ALTER TABLE "Provider" ADD COLUMN     "ofstedInspectedAt" TIMESTAMP(3),
ADD COLUMN     "tier" INTEGER NOT NULL DEFAULT 1;

