-- AlterTable
ALTER TABLE "Response" ADD COLUMN     "placementDistrict" TEXT;
