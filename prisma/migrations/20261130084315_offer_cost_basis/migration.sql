-- CreateEnum
CREATE TYPE "CostBasis" AS ENUM ('weekly', 'annual_38_week', 'annual_52_week', 'hourly', 'daily');

-- AlterTable
ALTER TABLE "Response" ADD COLUMN     "costAddOns" JSONB,
ADD COLUMN     "costAmountPence" INTEGER,
ADD COLUMN     "costBasis" "CostBasis",
ADD COLUMN     "costDaysPerWeek" DOUBLE PRECISION,
ADD COLUMN     "costHoursPerWeek" DOUBLE PRECISION;


-- Offers from before cost bases were all weekly prices with no add-ons.
UPDATE "Response" SET "costBasis" = 'weekly', "costAmountPence" = "weeklyCostPence", "costAddOns" = '[]'::jsonb
WHERE "type" = 'offer' AND "weeklyCostPence" IS NOT NULL AND "costBasis" IS NULL;
