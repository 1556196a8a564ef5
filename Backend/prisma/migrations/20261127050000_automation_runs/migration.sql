-- Paper-trading sessions resume exactly: runs are rows keyed by (session, index), computed
-- from the session's seed. No session existed before this migration (no worker ran them).
-- AlterTable
ALTER TABLE "AutomationSession" ADD COLUMN     "currencies" "AssetCode"[],
ADD COLUMN     "seed" INTEGER NOT NULL,
ADD COLUMN     "stakePerRun" DECIMAL(36,18) NOT NULL,
ALTER COLUMN "results" SET DEFAULT '{}';

-- CreateTable
CREATE TABLE "AutomationRun" (
    "sessionId" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "currency" "AssetCode" NOT NULL,
    "won" BOOLEAN NOT NULL,
    "pnl" DECIMAL(36,18) NOT NULL,

    CONSTRAINT "AutomationRun_pkey" PRIMARY KEY ("sessionId","index")
);

-- AddForeignKey
ALTER TABLE "AutomationRun" ADD CONSTRAINT "AutomationRun_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "AutomationSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "AutomationSession" ADD CONSTRAINT "AutomationSession_terms_valid"
  CHECK ("stakePerRun" > 0 AND "totalRuns" <= 10000 AND cardinality("currencies") BETWEEN 1 AND 6);
ALTER TABLE "AutomationRun" ADD CONSTRAINT "AutomationRun_index_valid" CHECK ("index" >= 0);
