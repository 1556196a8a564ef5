-- A pending withdrawal can be cancelled by its owner (the hold is released).
-- Alone in its migration: a new enum value cannot be used in the transaction that adds it.
-- AlterEnum
ALTER TYPE "WithdrawalStatus" ADD VALUE 'CANCELLED';
