-- Investments carry their quoted earnings schedule; earnings, their ledger entries and the
-- investment's lifecycle are checked by the database like deposits and withdrawals.

-- AlterTable
ALTER TABLE "Investment" ADD COLUMN     "dailyEarning" DECIMAL(36,18) NOT NULL,
ADD COLUMN     "totalEarnings" DECIMAL(36,18) NOT NULL;

-- The last day earns the remainder, which must not be negative.
ALTER TABLE "Investment" ADD CONSTRAINT "Investment_schedule_valid"
  CHECK ("dailyEarning" >= 0 AND "totalEarnings" >= "dailyEarning" * ("durationDays" - 1));
ALTER TABLE "Investment" ADD CONSTRAINT "Investment_completed_at"
  CHECK (("status" = 'COMPLETED') = ("completedAt" IS NOT NULL));

-- Terms never change; ACTIVE → COMPLETED once, and only when every day has accrued.
CREATE FUNCTION "investment_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF OLD."status" = 'COMPLETED' AND (NEW."status" <> OLD."status" OR NEW."completedAt" IS DISTINCT FROM OLD."completedAt") THEN
    RAISE EXCEPTION 'Investment % is completed', OLD."id" USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD."status" = 'ACTIVE' AND NEW."status" = 'COMPLETED'
     AND (SELECT count(*) FROM "Earning" WHERE "investmentId" = NEW."id") <> NEW."durationDays" THEN
    RAISE EXCEPTION 'Investment % cannot complete before every day has accrued', NEW."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Investment_guard" BEFORE INSERT OR UPDATE ON "Investment"
  FOR EACH ROW EXECUTE FUNCTION "investment_guard"();

-- An earning is day k (1..durationDays) of its investment: dated startedAt + k days, and
-- worth the schedule's amount for that day. Earnings are append-only.
CREATE FUNCTION "earning_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  inv RECORD;
  day_number integer;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    RAISE EXCEPTION 'Earning is append-only' USING ERRCODE = 'restrict_violation';
  END IF;
  SELECT "startedAt", "durationDays", "dailyEarning", "totalEarnings", "status" INTO inv FROM "Investment" WHERE "id" = NEW."investmentId";
  IF NOT FOUND THEN
    RETURN NEW; -- the foreign key reports it
  END IF;
  day_number := NEW."accrualDate" - inv."startedAt"::date;
  IF inv."status" <> 'ACTIVE' OR day_number < 1 OR day_number > inv."durationDays"
     OR NEW."amount" <> (CASE WHEN day_number = inv."durationDays" THEN inv."totalEarnings" - inv."dailyEarning" * (inv."durationDays" - 1) ELSE inv."dailyEarning" END) THEN
    RAISE EXCEPTION 'an earning is one scheduled day of an active investment, worth that day''s scheduled amount' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Earning_check" BEFORE INSERT OR UPDATE OR DELETE ON "Earning"
  FOR EACH ROW EXECUTE FUNCTION "earning_check"();
CREATE TRIGGER "Earning_no_truncate" BEFORE TRUNCATE ON "Earning"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_entry_immutable"();

-- EARNING entries pay exactly an earning row; PRINCIPAL_RETURN needs the investment COMPLETED.
CREATE FUNCTION "ledger_entry_investment_check"() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF NEW."type" = 'PRINCIPAL_RETURN' AND NOT EXISTS (SELECT 1 FROM "Investment" WHERE "id" = NEW."investmentId" AND "status" = 'COMPLETED') THEN
    RAISE EXCEPTION 'a PRINCIPAL_RETURN entry needs a COMPLETED investment' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "LedgerEntry_investment_check" BEFORE INSERT ON "LedgerEntry"
  FOR EACH ROW WHEN (NEW."type" IN ('EARNING', 'PRINCIPAL_RETURN')) EXECUTE FUNCTION "ledger_entry_investment_check"();

-- At commit: an investment has its debit; a completed one has its principal back; an
-- earning worth something has been paid.
CREATE FUNCTION "investment_has_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'investment:' || NEW."id" || ':debit')
     OR (NEW."status" = 'COMPLETED') <> EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'investment:' || NEW."id" || ':principal') THEN
    RAISE EXCEPTION 'investment % (%) does not match its ledger entries', NEW."id", NEW."status" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER "Investment_has_entries" AFTER INSERT OR UPDATE ON "Investment"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "investment_has_entries"();

CREATE FUNCTION "earning_is_paid"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."amount" > 0 AND NOT EXISTS (
       SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'investment:' || NEW."investmentId" || ':earning:' || to_char(NEW."accrualDate", 'YYYY-MM-DD')) THEN
    RAISE EXCEPTION 'earning % of investment % has no EARNING ledger entry', NEW."accrualDate", NEW."investmentId" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER "Earning_is_paid" AFTER INSERT ON "Earning"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "earning_is_paid"();

-- The EARNING key check compiled a regex per row (the pattern embedded the investment id);
-- the same rule with a fixed pattern, so the earnings job's bulk inserts stay cheap.
ALTER TABLE "LedgerEntry" DROP CONSTRAINT "LedgerEntry_key_matches_reference";
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_key_matches_reference" CHECK (CASE "type"
  WHEN 'DEPOSIT' THEN "idempotencyKey" = 'deposit:' || "depositId"
  WHEN 'WITHDRAWAL_HOLD' THEN "idempotencyKey" = 'withdrawal:' || "withdrawalId" || ':hold'
  WHEN 'WITHDRAWAL_RELEASE' THEN "idempotencyKey" = 'withdrawal:' || "withdrawalId" || ':release'
  WHEN 'INVESTMENT_DEBIT' THEN "idempotencyKey" = 'investment:' || "investmentId" || ':debit'
  WHEN 'EARNING' THEN left("idempotencyKey", 56) = 'investment:' || "investmentId" || ':earning:'
                      AND substr("idempotencyKey", 57) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
  WHEN 'PRINCIPAL_RETURN' THEN "idempotencyKey" = 'investment:' || "investmentId" || ':principal'
  WHEN 'ADJUSTMENT' THEN "idempotencyKey" LIKE 'adjustment:%'
END);
