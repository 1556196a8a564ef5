-- A new account starts at zero: a balance can only come from LedgerEntry rows, also on
-- INSERT (the init migration's guard covered UPDATE only).
CREATE OR REPLACE FUNCTION "account_balance_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW."balance" <> 0 THEN
    RAISE EXCEPTION 'Account.balance starts at 0 and changes only through LedgerEntry' USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW."balance" IS DISTINCT FROM OLD."balance" AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'Account.balance changes only through LedgerEntry' USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END;
$$;

DROP TRIGGER "Account_balance_guard" ON "Account";
CREATE TRIGGER "Account_balance_guard" BEFORE INSERT OR UPDATE ON "Account"
  FOR EACH ROW EXECUTE FUNCTION "account_balance_guard"();
