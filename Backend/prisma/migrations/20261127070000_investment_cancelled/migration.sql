-- An admin can cancel an active investment. ADD VALUE cannot be used in the transaction
-- that adds it, so it has a migration of its own.
ALTER TYPE "InvestmentStatus" ADD VALUE 'CANCELLED';
