-- AlterTable
ALTER TABLE "Referral" ADD COLUMN     "closedAt" TIMESTAMP(3),
ADD COLUMN     "erasedAt" TIMESTAMP(3),
ALTER COLUMN "summary" DROP NOT NULL,
ALTER COLUMN "restrictedEnvelope" DROP NOT NULL;

-- CreateIndex
CREATE INDEX "Referral_closedAt_erasedAt_idx" ON "Referral"("closedAt", "erasedAt");


-- Backfill: referrals closed before this column existed. Every transition is audited in its own transaction,
-- so the audit row that moved a referral into placed, withdrawn or expired gives the time it closed.
UPDATE "Referral" r SET "closedAt" = COALESCE(
  (SELECT max(a."at") FROM "AuditEvent" a
    WHERE a."referralId" = r."id" AND a."detail"->>'to' IN ('placed', 'withdrawn', 'expired')),
  r."placedAt",
  r."updatedAt")
WHERE r."status" IN ('placed', 'withdrawn', 'expired') AND r."closedAt" IS NULL;
