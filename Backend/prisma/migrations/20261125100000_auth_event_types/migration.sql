-- Audit event types for failed password resets and KYC submissions/decisions.
-- AlterEnum
ALTER TYPE "AuthEventType" ADD VALUE 'PASSWORD_RESET_FAILED';
ALTER TYPE "AuthEventType" ADD VALUE 'KYC_SUBMITTED';
ALTER TYPE "AuthEventType" ADD VALUE 'KYC_DECIDED';
