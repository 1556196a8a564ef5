-- DropIndex
DROP INDEX "LedgerEntry_accountId_createdAt_idx";

-- AlterTable
ALTER TABLE "Deposit" ADD COLUMN     "consecutiveErrors" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastCheckResult" TEXT,
ADD COLUMN     "notFoundSince" TIMESTAMP(3),
ADD COLUMN     "reviewedAt" TIMESTAMP(3),
ADD COLUMN     "reviewedById" UUID;

-- AlterTable
ALTER TABLE "LedgerEntry" DROP COLUMN "balanceAfter",
ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- AlterTable
ALTER TABLE "Withdrawal" ADD COLUMN     "cancelledAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "AdminAuditLog" (
    "id" UUID NOT NULL,
    "adminId" UUID,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AdminAuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "JobStatus" (
    "job" TEXT NOT NULL,
    "runs" BIGINT NOT NULL DEFAULT 0,
    "failures" BIGINT NOT NULL DEFAULT 0,
    "lastStartedAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "lastFailureAt" TIMESTAMP(3),
    "lastDurationMs" INTEGER,
    "lastSummary" JSONB,

    CONSTRAINT "JobStatus_pkey" PRIMARY KEY ("job")
);

-- CreateIndex
CREATE INDEX "AdminAuditLog_targetType_targetId_createdAt_idx" ON "AdminAuditLog"("targetType", "targetId", "createdAt");

-- CreateIndex
CREATE INDEX "AdminAuditLog_adminId_createdAt_idx" ON "AdminAuditLog"("adminId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_seq_key" ON "LedgerEntry"("seq");

-- CreateIndex
CREATE INDEX "LedgerEntry_accountId_seq_idx" ON "LedgerEntry"("accountId", "seq");

-- CreateIndex
CREATE INDEX "LedgerEntry_depositId_idx" ON "LedgerEntry"("depositId");

-- CreateIndex
CREATE INDEX "LedgerEntry_withdrawalId_idx" ON "LedgerEntry"("withdrawalId");

-- CreateIndex
CREATE INDEX "LedgerEntry_investmentId_idx" ON "LedgerEntry"("investmentId");

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_depositId_fkey" FOREIGN KEY ("depositId") REFERENCES "Deposit"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_withdrawalId_fkey" FOREIGN KEY ("withdrawalId") REFERENCES "Withdrawal"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_investmentId_fkey" FOREIGN KEY ("investmentId") REFERENCES "Investment"("id") ON DELETE RESTRICT ON UPDATE RESTRICT;

-- AddForeignKey
ALTER TABLE "Deposit" ADD CONSTRAINT "Deposit_reviewedById_fkey" FOREIGN KEY ("reviewedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdminAuditLog" ADD CONSTRAINT "AdminAuditLog_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;



-- ---------------------------------------------------------------------------
-- Money invariants (issue "Money"). Everything below is enforced by PostgreSQL itself,
-- for every writer: the service, a worker, a migration or a person with psql.
-- ---------------------------------------------------------------------------

-- One spelling per asset for transaction hashes and addresses (mirrors
-- Backend/src/assets/asset-registry.ts): `0xDEADBEEF…`, `deadbeef…` and ` 0xdeadbeef…`
-- can never be stored as three different ETH transactions.
CREATE FUNCTION "kv_tx_hash_is_canonical"(asset "AssetCode", hash text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE asset
    WHEN 'BTC' THEN hash ~ '^[0-9a-f]{64}$'
    WHEN 'TRX' THEN hash ~ '^[0-9a-f]{64}$'
    WHEN 'ETH' THEN hash ~ '^0x[0-9a-f]{64}$'
    WHEN 'USDT' THEN hash ~ '^0x[0-9a-f]{64}$'
    WHEN 'BNB' THEN hash ~ '^0x[0-9a-f]{64}$'
    WHEN 'SOL' THEN hash ~ '^[1-9A-HJ-NP-Za-km-z]{64,88}$'
    ELSE false
  END
$$;

CREATE FUNCTION "kv_address_is_canonical"(asset "AssetCode", address text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE asset
    WHEN 'BTC' THEN address ~ '^(bc1[02-9ac-hj-np-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{25,34})$'
    WHEN 'ETH' THEN address ~ '^0x[0-9a-f]{40}$'
    WHEN 'USDT' THEN address ~ '^0x[0-9a-f]{40}$'
    WHEN 'BNB' THEN address ~ '^0x[0-9a-f]{40}$'
    WHEN 'SOL' THEN address ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'
    WHEN 'TRX' THEN address ~ '^T[1-9A-HJ-NP-Za-km-z]{33}$'
    ELSE false
  END
$$;

ALTER TABLE "Deposit" ADD CONSTRAINT "Deposit_tx_hash_canonical" CHECK ("txHash" IS NULL OR "kv_tx_hash_is_canonical"("asset", "txHash"));
ALTER TABLE "Deposit" ADD CONSTRAINT "Deposit_address_canonical" CHECK ("kv_address_is_canonical"("asset", "address"));
ALTER TABLE "Deposit" ADD CONSTRAINT "Deposit_submitted_has_tx" CHECK ("status" IN ('OPEN', 'EXPIRED', 'REJECTED') OR "txHash" IS NOT NULL);
ALTER TABLE "Deposit" ADD CONSTRAINT "Deposit_confirmations_valid" CHECK ("confirmations" >= 0 AND "checkAttempts" >= 0);
ALTER TABLE "Withdrawal" ADD CONSTRAINT "Withdrawal_payout_tx_hash_canonical" CHECK ("payoutTxHash" IS NULL OR "kv_tx_hash_is_canonical"("asset", "payoutTxHash"));
ALTER TABLE "Withdrawal" ADD CONSTRAINT "Withdrawal_destination_canonical" CHECK ("kv_address_is_canonical"("asset", "destinationAddress"));

-- Per entry type: the sign of the amount and which record it references.
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_amount_sign_by_type" CHECK (CASE "type"
  WHEN 'DEPOSIT' THEN "amount" > 0
  WHEN 'WITHDRAWAL_HOLD' THEN "amount" < 0
  WHEN 'WITHDRAWAL_RELEASE' THEN "amount" > 0
  WHEN 'INVESTMENT_DEBIT' THEN "amount" < 0
  WHEN 'EARNING' THEN "amount" > 0
  WHEN 'PRINCIPAL_RETURN' THEN "amount" > 0
  WHEN 'ADJUSTMENT' THEN "amount" <> 0
END);
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_reference_by_type" CHECK (CASE "type"
  WHEN 'DEPOSIT' THEN "depositId" IS NOT NULL AND "withdrawalId" IS NULL AND "investmentId" IS NULL
  WHEN 'WITHDRAWAL_HOLD' THEN "withdrawalId" IS NOT NULL AND "depositId" IS NULL AND "investmentId" IS NULL
  WHEN 'WITHDRAWAL_RELEASE' THEN "withdrawalId" IS NOT NULL AND "depositId" IS NULL AND "investmentId" IS NULL
  WHEN 'INVESTMENT_DEBIT' THEN "investmentId" IS NOT NULL AND "depositId" IS NULL AND "withdrawalId" IS NULL
  WHEN 'EARNING' THEN "investmentId" IS NOT NULL AND "depositId" IS NULL AND "withdrawalId" IS NULL
  WHEN 'PRINCIPAL_RETURN' THEN "investmentId" IS NOT NULL AND "depositId" IS NULL AND "withdrawalId" IS NULL
  WHEN 'ADJUSTMENT' THEN "depositId" IS NULL AND "withdrawalId" IS NULL AND "investmentId" IS NULL
END);
-- The key of an entry that references a record is derived from it, so the unique key index
-- also means: one DEPOSIT entry per deposit, one hold and one release per withdrawal, one
-- debit and one principal return per investment, one earning per investment per day.
ALTER TABLE "LedgerEntry" ADD CONSTRAINT "LedgerEntry_key_matches_reference" CHECK (CASE "type"
  WHEN 'DEPOSIT' THEN "idempotencyKey" = 'deposit:' || "depositId"
  WHEN 'WITHDRAWAL_HOLD' THEN "idempotencyKey" = 'withdrawal:' || "withdrawalId" || ':hold'
  WHEN 'WITHDRAWAL_RELEASE' THEN "idempotencyKey" = 'withdrawal:' || "withdrawalId" || ':release'
  WHEN 'INVESTMENT_DEBIT' THEN "idempotencyKey" = 'investment:' || "investmentId" || ':debit'
  WHEN 'EARNING' THEN "idempotencyKey" ~ ('^investment:' || "investmentId" || ':earning:[0-9]{4}-[0-9]{2}-[0-9]{2}$')
  WHEN 'PRINCIPAL_RETURN' THEN "idempotencyKey" = 'investment:' || "investmentId" || ':principal'
  WHEN 'ADJUSTMENT' THEN "idempotencyKey" LIKE 'adjustment:%'
END);

-- BEFORE INSERT checks an entry against what it references. It changes no balance: rows
-- that INSERT ... ON CONFLICT DO NOTHING skips still fire BEFORE triggers.
CREATE FUNCTION "ledger_entry_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  acct RECORD;
  ref RECORD;
  has_ref boolean := false;
BEGIN
  -- Lock the account first and number the entry after the lock: entries of one account are
  -- applied in seq order, so a running balance in seq order is exactly what the account held.
  SELECT "userId", "asset" INTO acct FROM "Account" WHERE "id" = NEW."accountId" FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger entry for unknown account %', NEW."accountId" USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW."seq" := nextval(pg_get_serial_sequence('"LedgerEntry"', 'seq'));
  IF NEW."type" = 'DEPOSIT' THEN
    SELECT "userId", "asset", "status", "receivedAmount" AS amount INTO ref FROM "Deposit" WHERE "id" = NEW."depositId";
    has_ref := FOUND;
    IF FOUND AND NOT (ref."status" = 'CREDITED' AND NEW."amount" = ref.amount) THEN
      RAISE EXCEPTION 'a DEPOSIT entry credits exactly the received amount of a CREDITED deposit' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW."type" IN ('WITHDRAWAL_HOLD', 'WITHDRAWAL_RELEASE') THEN
    SELECT "userId", "asset", "status", "amount" INTO ref FROM "Withdrawal" WHERE "id" = NEW."withdrawalId";
    has_ref := FOUND;
    IF FOUND AND NEW."type" = 'WITHDRAWAL_HOLD' AND NOT (ref."status" = 'PENDING' AND NEW."amount" = -ref.amount) THEN
      RAISE EXCEPTION 'a WITHDRAWAL_HOLD entry holds exactly the amount of a PENDING withdrawal' USING ERRCODE = 'check_violation';
    END IF;
    IF FOUND AND NEW."type" = 'WITHDRAWAL_RELEASE' AND NOT (ref."status" IN ('REJECTED', 'CANCELLED') AND NEW."amount" = ref.amount) THEN
      RAISE EXCEPTION 'a WITHDRAWAL_RELEASE entry releases exactly the amount of a REJECTED or CANCELLED withdrawal' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW."type" IN ('INVESTMENT_DEBIT', 'EARNING', 'PRINCIPAL_RETURN') THEN
    SELECT "userId", "asset", "principal" AS amount INTO ref FROM "Investment" WHERE "id" = NEW."investmentId";
    has_ref := FOUND;
    IF FOUND AND NEW."type" = 'INVESTMENT_DEBIT' AND NEW."amount" <> -ref.amount THEN
      RAISE EXCEPTION 'an INVESTMENT_DEBIT entry debits exactly the principal' USING ERRCODE = 'check_violation';
    END IF;
    IF FOUND AND NEW."type" = 'PRINCIPAL_RETURN' AND NEW."amount" <> ref.amount THEN
      RAISE EXCEPTION 'a PRINCIPAL_RETURN entry returns exactly the principal' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  -- A missing referenced row is left to the foreign key (reported as such).
  IF has_ref THEN
    -- Nested: PL/pgSQL resolves every variable of an expression, and ref is unassigned for ADJUSTMENT.
    IF ref."userId" <> acct."userId" OR ref."asset" <> acct."asset" THEN
      RAISE EXCEPTION 'a ledger entry must post to the account of its record''s owner and asset' USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

-- AFTER INSERT applies the entry to the cached balance: AFTER ROW triggers fire only for
-- rows actually inserted, so a skipped duplicate never moves money. The CHECK on
-- Account.balance refuses an overdraft (the whole statement fails).
DROP TRIGGER "LedgerEntry_apply" ON "LedgerEntry";
DROP FUNCTION "ledger_entry_apply"();
CREATE FUNCTION "ledger_entry_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME <> 'LedgerEntry' OR TG_OP <> 'INSERT' OR TG_WHEN <> 'AFTER' THEN
    RAISE EXCEPTION 'ledger_entry_apply runs only as the LedgerEntry AFTER INSERT trigger' USING ERRCODE = 'restrict_violation';
  END IF;
  UPDATE "Account" SET "balance" = "balance" + NEW."amount", "updatedAt" = now() WHERE "id" = NEW."accountId";
  RETURN NULL;
END;
$$;

CREATE TRIGGER "LedgerEntry_check" BEFORE INSERT ON "LedgerEntry"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entry_check"();
CREATE TRIGGER "LedgerEntry_apply" AFTER INSERT ON "LedgerEntry"
  FOR EACH ROW EXECUTE FUNCTION "ledger_entry_apply"();

-- TRUNCATE would empty the ledger behind the balances (it fires no row triggers).
CREATE TRIGGER "LedgerEntry_no_truncate" BEFORE TRUNCATE ON "LedgerEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_entry_immutable"();
CREATE TRIGGER "Account_no_truncate" BEFORE TRUNCATE ON "Account"
  FOR EACH STATEMENT EXECUTE FUNCTION "ledger_entry_immutable"();

-- An account's owner and asset never change, it starts at zero, and its balance changes
-- only by the ledger's own function: the caller is read from the PL/pgSQL call stack, so
-- no other trigger or function (nested or not) can write it.
CREATE OR REPLACE FUNCTION "account_balance_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  stack text;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."balance" <> 0 THEN
      RAISE EXCEPTION 'Account.balance starts at 0 and changes only through LedgerEntry' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."userId" <> OLD."userId" OR NEW."asset" <> OLD."asset" THEN
    RAISE EXCEPTION 'Account id, userId and asset are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW."balance" IS DISTINCT FROM OLD."balance" THEN
    GET DIAGNOSTICS stack = PG_CONTEXT;
    IF split_part(stack, E'\n', 2) <> 'SQL statement "UPDATE "Account" SET "balance" = "balance" + NEW."amount", "updatedAt" = now() WHERE "id" = NEW."accountId""'
       OR split_part(stack, E'\n', 3) NOT LIKE 'PL/pgSQL function ledger_entry_apply() line % at SQL statement' THEN
      RAISE EXCEPTION 'Account.balance changes only through LedgerEntry' USING ERRCODE = 'restrict_violation';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

-- Deposit lifecycle: OPEN → SUBMITTED → CONFIRMING → CREDITED | REJECTED | EXPIRED
-- (CONFIRMING → SUBMITTED when a seen transaction disappears). Final states are final,
-- and what the user asked for (owner, asset, address, expected amount) never changes.
CREATE FUNCTION "deposit_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."status" <> 'OPEN' OR NEW."txHash" IS NOT NULL OR NEW."receivedAmount" IS NOT NULL THEN
      RAISE EXCEPTION 'a deposit starts OPEN, without a transaction or a received amount' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."userId" <> OLD."userId" OR NEW."asset" <> OLD."asset" OR NEW."address" <> OLD."address"
     OR NEW."expectedAmount" <> OLD."expectedAmount" OR NEW."requiredConfirmations" <> OLD."requiredConfirmations" THEN
    RAISE EXCEPTION 'Deposit owner, asset, address and amounts are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD."txHash" IS NOT NULL AND NEW."txHash" IS DISTINCT FROM OLD."txHash" THEN
    RAISE EXCEPTION 'Deposit txHash cannot change once submitted' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD."status" IN ('CREDITED', 'REJECTED', 'EXPIRED') THEN
    IF NEW."status" <> OLD."status" OR NEW."receivedAmount" IS DISTINCT FROM OLD."receivedAmount" OR NEW."confirmations" <> OLD."confirmations" THEN
      RAISE EXCEPTION 'Deposit % is final (%)', OLD."id", OLD."status" USING ERRCODE = 'restrict_violation';
    END IF;
  ELSIF NEW."status" <> OLD."status" AND NOT (
       (OLD."status" = 'OPEN' AND NEW."status" IN ('SUBMITTED', 'EXPIRED', 'REJECTED'))
    OR (OLD."status" IN ('SUBMITTED', 'CONFIRMING') AND NEW."status" IN ('SUBMITTED', 'CONFIRMING', 'CREDITED', 'REJECTED'))) THEN
    RAISE EXCEPTION 'Deposit cannot move from % to %', OLD."status", NEW."status" USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Deposit_guard" BEFORE INSERT OR UPDATE ON "Deposit"
  FOR EACH ROW EXECUTE FUNCTION "deposit_guard"();

-- At commit, a CREDITED deposit has its DEPOSIT entry (and the entry needs CREDITED: see
-- ledger_entry_check), so status and ledger can only move together.
CREATE FUNCTION "deposit_credit_has_entry"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."status" = 'CREDITED' AND NOT EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'deposit:' || NEW."id") THEN
    RAISE EXCEPTION 'CREDITED deposit % has no DEPOSIT ledger entry', NEW."id" USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER "Deposit_credited_has_entry" AFTER INSERT OR UPDATE ON "Deposit"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "deposit_credit_has_entry"();

-- Withdrawal lifecycle: PENDING → APPROVED | REJECTED | CANCELLED, then final.
CREATE FUNCTION "withdrawal_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."status" <> 'PENDING' OR NEW."payoutTxHash" IS NOT NULL THEN
      RAISE EXCEPTION 'a withdrawal starts PENDING, without a payout' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW."id" <> OLD."id" OR NEW."userId" <> OLD."userId" OR NEW."asset" <> OLD."asset" OR NEW."amount" <> OLD."amount"
     OR NEW."destinationAddress" <> OLD."destinationAddress" THEN
    RAISE EXCEPTION 'Withdrawal owner, asset, amount and destination are immutable' USING ERRCODE = 'restrict_violation';
  END IF;
  IF OLD."status" <> 'PENDING' AND (NEW."status" <> OLD."status" OR NEW."payoutTxHash" IS DISTINCT FROM OLD."payoutTxHash") THEN
    RAISE EXCEPTION 'Withdrawal % is final (%)', OLD."id", OLD."status" USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "Withdrawal_guard" BEFORE INSERT OR UPDATE ON "Withdrawal"
  FOR EACH ROW EXECUTE FUNCTION "withdrawal_guard"();

-- At commit: every withdrawal holds its amount; a rejected or cancelled one has released
-- it; an approved one has not (the money left).
CREATE FUNCTION "withdrawal_has_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  held boolean;
  released boolean;
BEGIN
  held := EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'withdrawal:' || NEW."id" || ':hold');
  released := EXISTS (SELECT 1 FROM "LedgerEntry" WHERE "idempotencyKey" = 'withdrawal:' || NEW."id" || ':release');
  IF NOT held OR released <> (NEW."status" IN ('REJECTED', 'CANCELLED')) THEN
    RAISE EXCEPTION 'withdrawal % (%) does not match its ledger entries (hold %, release %)', NEW."id", NEW."status", held, released
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER "Withdrawal_has_entries" AFTER INSERT OR UPDATE ON "Withdrawal"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "withdrawal_has_entries"();

-- The admin audit trail is append-only (a deleted admin's rows keep their content).
CREATE FUNCTION "admin_audit_log_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW."adminId" IS NULL AND NEW."id" = OLD."id" AND NEW."action" = OLD."action"
     AND NEW."targetType" = OLD."targetType" AND NEW."targetId" = OLD."targetId"
     AND NEW."metadata" IS NOT DISTINCT FROM OLD."metadata" AND NEW."createdAt" = OLD."createdAt" THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'AdminAuditLog is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER "AdminAuditLog_append_only" BEFORE UPDATE OR DELETE ON "AdminAuditLog"
  FOR EACH ROW EXECUTE FUNCTION "admin_audit_log_guard"();
CREATE TRIGGER "AdminAuditLog_no_truncate" BEFORE TRUNCATE ON "AdminAuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION "admin_audit_log_guard"();
