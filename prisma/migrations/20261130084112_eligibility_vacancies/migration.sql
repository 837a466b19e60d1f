-- AlterTable
ALTER TABLE "Round" ADD COLUMN     "gateTier" INTEGER,
ADD COLUMN     "gateVacancyOnly" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "reach" JSONB;

-- CreateTable
CREATE TABLE "Vacancy" (
    "id" UUID NOT NULL,
    "providerId" UUID NOT NULL,
    "lotId" INTEGER NOT NULL,
    "placementType" TEXT,
    "ageMin" INTEGER NOT NULL DEFAULT 0,
    "ageMax" INTEGER NOT NULL DEFAULT 25,
    "areas" TEXT[],
    "count" INTEGER NOT NULL,
    "lastConfirmedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Vacancy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoundWidening" (
    "id" UUID NOT NULL,
    "roundId" UUID NOT NULL,
    "step" INTEGER NOT NULL,
    "tier" INTEGER,
    "vacancyOnly" BOOLEAN NOT NULL,
    "deliveries" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoundWidening_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Vacancy_providerId_idx" ON "Vacancy"("providerId");

-- CreateIndex
CREATE INDEX "Vacancy_lotId_idx" ON "Vacancy"("lotId");

-- CreateIndex
CREATE UNIQUE INDEX "RoundWidening_roundId_step_key" ON "RoundWidening"("roundId", "step");

-- AddForeignKey
ALTER TABLE "Vacancy" ADD CONSTRAINT "Vacancy_providerId_fkey" FOREIGN KEY ("providerId") REFERENCES "Provider"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Vacancy" ADD CONSTRAINT "Vacancy_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoundWidening" ADD CONSTRAINT "RoundWidening_roundId_fkey" FOREIGN KEY ("roundId") REFERENCES "Round"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

