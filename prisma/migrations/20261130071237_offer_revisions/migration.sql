-- AlterTable
ALTER TABLE "Response" ADD COLUMN     "supersededById" UUID,
ADD COLUMN     "withdrawnAt" TIMESTAMP(3);

