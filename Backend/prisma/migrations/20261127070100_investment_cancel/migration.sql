-- Admin cancellation of an investment: ACTIVE → CANCELLED once, with who, when and why; the
-- principal comes back with the same ledger key as at maturity, so it can be returned once only.
-- AlterTable
ALTER TABLE "Investment" ADD COLUMN     "cancellationReason" TEXT,
ADD COLUMN     "cancelledAt" TIMESTAMP(3),
ADD COLUMN     "cancelledById" UUID;

-- AddForeignKey
ALTER TABLE "Investment" ADD CONSTRAINT "Investment_cancelledById_fkey" FOREIGN KEY ("cancelledById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


ALTER TABLE "Investment" ADD CONSTRAINT "Investment_cancelled"
  CHECK (("status" = 'CANCELLED') = ("cancelledAt" IS NOT NULL)
     AND ("status" = 'CANCELLED') = ("cancelledById" IS NOT NULL)
     AND ("status" = 'CANCELLED') = ("cancellationReason" IS NOT NULL)
     AND ("cancellationReason" IS NULL OR char_length("cancellationReason") BETWEEN 1 AND 500));

-- Terms never change; ACTIVE → COMPLETED (every day accrued) or ACTIVE → CANCELLED, once.
CREATE OR REPLACE FUNCTION "investment_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."status" <> 'ACTIVE' THEN
      RAISE EXCEPTION 'an investment starts ACTIVE' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."userId" <> OLD."userId" OR NEW."planId" <> OLD."planId" OR NEW."asset" <> OLD."asset"
     OR NEW."principal" <> OLD."principal" OR NEW."returnPercentPer30Days" <> OLD."returnPercentPer30Days"
     OR NEW."durationDays" <> OLD."durationDays" OR NEW."dailyEarning" <> OLD."dailyEarning" OR NEW."totalEarnings" <> OLD."totalEarnings"
     OR NEW."startedAt" <> OLD."startedAt" OR NEW."maturesAt" <> OLD."maturesAt" THEN
    RAISE EXCEPTION 'Investment terms are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD."status" <> 'ACTIVE' AND (NEW."status" <> OLD."status" OR NEW."completedAt" IS DISTINCT FROM OLD."completedAt"
     OR NEW."cancelledAt" IS DISTINCT FROM OLD."cancelledAt" OR NEW."cancelledById" IS DISTINCT FROM OLD."cancelledById"
     OR NEW."cancellationReason" IS DISTINCT FROM OLD."cancellationReason") THEN
    RAISE EXCEPTION 'Investment % is %', OLD."id", lower(OLD."status"::text) USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD."status" = 'ACTIVE' AND NEW."status" = 'COMPLETED'
     AND (SELECT count(*) FROM "Earning" WHERE "investmentId" = NEW."id") <> NEW."durationDays" THEN
    RAISE EXCEPTION 'Investment % cannot complete before every day has accrued', NEW."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

-- PRINCIPAL_RETURN needs the investment COMPLETED or CANCELLED (the rest is unchanged).
CREATE OR REPLACE FUNCTION "ledger_entry_investment_check"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "Investment" WHERE "id" = NEW."investmentId") THEN
    RETURN NEW; -- the foreign key reports it
  END IF;
  -- The key is investment:<36-char id>:earning:<YYYY-MM-DD>; a malformed one is refused here
  -- with the CHECK's error code (the cast below would fail with another).
  IF NEW."type" = 'EARNING' AND NEW."idempotencyKey" !~ ':earning:[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
    RAISE EXCEPTION 'an EARNING entry''s key is investment:<id>:earning:<YYYY-MM-DD>' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."type" = 'EARNING' AND NOT EXISTS (
       SELECT 1 FROM "Earning" WHERE "investmentId" = NEW."investmentId"
          AND "accrualDate" = substr(NEW."idempotencyKey", 57)::date
          AND "amount" = NEW."amount") THEN
    RAISE EXCEPTION 'an EARNING entry pays exactly the earning of its day' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW."type" = 'PRINCIPAL_RETURN' AND NOT EXISTS (
       SELECT 1 FROM "Investment" WHERE "id" = NEW."investmentId" AND "status" IN ('COMPLETED', 'CANCELLED') AND "principal" = NEW."amount") THEN
    RAISE EXCEPTION 'a PRINCIPAL_RETURN entry returns exactly the principal of a COMPLETED or CANCELLED investment' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

-- At commit: an investment has its debit; a completed or cancelled one has its principal back.
CREATE OR REPLACE FUNCTION "investment_has_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'investment:' || NEW."id" || ':debit')
     OR (NEW."status" IN ('COMPLETED', 'CANCELLED')) <> EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'investment:' || NEW."id" || ':principal') THEN
    RAISE EXCEPTION 'investment % (%) does not match its ledger entries', NEW."id", NEW."status" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;
