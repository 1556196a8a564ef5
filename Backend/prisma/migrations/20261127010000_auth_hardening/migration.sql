-- Issue 8: credentials bound to verification codes, access-token revocation (User.tokenVersion),
-- the email outbox, and the auth request journal (register/resend/reset answered alike).
-- AlterTable
ALTER TABLE "OneTimeCode" ADD COLUMN     "pendingName" TEXT,
ADD COLUMN     "pendingPasswordHash" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "tokenVersion" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "EmailOutbox" (
    "id" UUID NOT NULL,
    "recipient" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedUntil" TIMESTAMP(3),
    "sentAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmailOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EmailOutbox_sentAt_failedAt_nextAttemptAt_idx" ON "EmailOutbox"("sentAt", "failedAt", "nextAttemptAt");

-- CreateEnum
CREATE TYPE "AuthRequestKind" AS ENUM ('REGISTER', 'RESEND_VERIFICATION', 'PASSWORD_RESET');

-- CreateTable
CREATE TABLE "AuthRequest" (
    "id" UUID NOT NULL,
    "kind" "AuthRequestKind" NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT,
    "name" TEXT,
    "ip" TEXT,
    "userAgent" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "claimedUntil" TIMESTAMP(3),
    "processedAt" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuthRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuthRequest_processedAt_createdAt_idx" ON "AuthRequest"("processedAt", "createdAt");

