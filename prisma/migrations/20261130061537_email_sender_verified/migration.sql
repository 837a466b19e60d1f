-- AlterTable
ALTER TABLE "Response" ADD COLUMN     "senderVerified" BOOLEAN NOT NULL DEFAULT true;

