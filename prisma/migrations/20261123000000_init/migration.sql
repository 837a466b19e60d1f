-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ProviderStatus" AS ENUM ('active', 'suspended', 'removed');

-- CreateEnum
CREATE TYPE "ReferralStatus" AS ENUM ('draft', 'open', 'offers_received', 'awaiting_second_approval', 'placed', 'recirculated', 'withdrawn', 'expired');

-- CreateEnum
CREATE TYPE "Urgency" AS ENUM ('emergency', 'standard');

-- CreateEnum
CREATE TYPE "DeliveryChannel" AS ENUM ('email', 'webhook');

-- CreateEnum
CREATE TYPE "DeliveryState" AS ENUM ('pending', 'sending', 'delivered', 'failed');

-- CreateEnum
CREATE TYPE "ResponseType" AS ENUM ('offer', 'decline', 'question');

-- CreateEnum
CREATE TYPE "DeclineReason" AS ENUM ('no_vacancy', 'cannot_meet_needs', 'outside_area', 'outside_age_range', 'matching_concerns', 'other');

-- CreateEnum
CREATE TYPE "DecisionKind" AS ENUM ('approve', 'reject');

-- CreateTable
CREATE TABLE "Lot" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Lot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Provider" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "ofstedUrn" TEXT,
    "ofstedGrade" TEXT,
    "email" TEXT,
    "webhookUrl" TEXT,
    "webhookSecret" TEXT,
    "genders" TEXT[],
    "ageMin" INTEGER NOT NULL DEFAULT 0,
    "ageMax" INTEGER NOT NULL DEFAULT 25,
    "needsCovered" TEXT[],
    "areas" TEXT[],
    "status" "ProviderStatus" NOT NULL DEFAULT 'active',
    "statusReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Provider_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProviderLot" (
    "providerId" UUID NOT NULL,
    "lotId" INTEGER NOT NULL,

    CONSTRAINT "ProviderLot_pkey" PRIMARY KEY ("providerId","lotId")
);

-- CreateTable
CREATE TABLE "Referral" (
    "id" UUID NOT NULL,
    "reference" TEXT NOT NULL,
    "lotId" INTEGER NOT NULL,
    "status" "ReferralStatus" NOT NULL DEFAULT 'draft',
    "version" INTEGER NOT NULL DEFAULT 0,
    "ageYears" INTEGER NOT NULL,
    "gender" TEXT NOT NULL,
    "needCodes" TEXT[],
    "ehcp" BOOLEAN NOT NULL,
    "legalStatus" TEXT NOT NULL,
    "area" TEXT NOT NULL,
    "urgency" "Urgency" NOT NULL,
    "requiredBy" TIMESTAMP(3) NOT NULL,
    "summary" TEXT NOT NULL,
    "restrictedEnvelope" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "statusReason" TEXT,
    "pendingApprovalId" UUID,
    "placedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Referral_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReferenceCounter" (
    "year" INTEGER NOT NULL,
    "last" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ReferenceCounter_pkey" PRIMARY KEY ("year")
);

-- CreateTable
CREATE TABLE "Round" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closesAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "Round_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Delivery" (
    "id" UUID NOT NULL,
    "roundId" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "channel" "DeliveryChannel" NOT NULL,
    "state" "DeliveryState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "tokenHash" TEXT NOT NULL,
    "tokenExpiresAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Response" (
    "id" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "type" "ResponseType" NOT NULL,
    "weeklyCostPence" INTEGER,
    "startDate" TIMESTAMP(3),
    "needsMet" TEXT,
    "notes" TEXT,
    "declineReason" "DeclineReason",
    "question" TEXT,
    "idempotencyKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Response_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Decision" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "responseId" UUID NOT NULL,
    "kind" "DecisionKind" NOT NULL,
    "decidedBy" TEXT NOT NULL,
    "decidedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "secondApprover" TEXT,
    "secondApprovedAt" TIMESTAMP(3),

    CONSTRAINT "Decision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "referralId" UUID,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ChatLink" (
    "id" UUID NOT NULL,
    "referralId" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "threadId" TEXT NOT NULL,
    "messageId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ChatLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Lot_number_key" ON "Lot"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Provider_ofstedUrn_key" ON "Provider"("ofstedUrn");

-- CreateIndex
CREATE UNIQUE INDEX "Provider_email_key" ON "Provider"("email");

-- CreateIndex
CREATE INDEX "ProviderLot_lotId_idx" ON "ProviderLot"("lotId");

-- CreateIndex
CREATE UNIQUE INDEX "Referral_reference_key" ON "Referral"("reference");

-- CreateIndex
CREATE INDEX "Referral_status_lotId_idx" ON "Referral"("status", "lotId");

-- CreateIndex
CREATE INDEX "Referral_status_requiredBy_idx" ON "Referral"("status", "requiredBy");

-- CreateIndex
CREATE INDEX "Round_closedAt_closesAt_idx" ON "Round"("closedAt", "closesAt");

-- CreateIndex
CREATE UNIQUE INDEX "Round_referralId_number_key" ON "Round"("referralId", "number");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_tokenHash_key" ON "Delivery"("tokenHash");

-- CreateIndex
CREATE INDEX "Delivery_state_idx" ON "Delivery"("state");

-- CreateIndex
CREATE UNIQUE INDEX "Delivery_roundId_providerId_key" ON "Delivery"("roundId", "providerId");

-- CreateIndex
CREATE INDEX "Response_referralId_type_idx" ON "Response"("referralId", "type");

-- CreateIndex
CREATE UNIQUE INDEX "Response_deliveryId_idempotencyKey_key" ON "Response"("deliveryId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "Decision_referralId_idx" ON "Decision"("referralId");

-- CreateIndex
CREATE INDEX "AuditEvent_referralId_at_idx" ON "AuditEvent"("referralId", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

-- CreateIndex
CREATE UNIQUE INDEX "ChatLink_referralId_platform_key" ON "ChatLink"("referralId", "platform");

-- AddForeignKey
ALTER TABLE "ProviderLot" ADD CONSTRAINT "ProviderLot_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProviderLot" ADD CONSTRAINT "ProviderLot_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Referral" ADD CONSTRAINT "Referral_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Round" ADD CONSTRAINT "Round_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_roundId_fkey" FOREIGN KEY ("roundId") REFERENCES "Round"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Response" ADD CONSTRAINT "Response_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "Delivery"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Response" ADD CONSTRAINT "Response_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Decision" ADD CONSTRAINT "Decision_responseId_fkey" FOREIGN KEY ("responseId") REFERENCES "Response"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatLink" ADD CONSTRAINT "ChatLink_referralId_fkey" FOREIGN KEY ("referralId") REFERENCES "Referral"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

