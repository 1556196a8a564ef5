-- Live notification stream (SSE): a stream position per notification, one-time stream
-- tickets, and NOTIFY on commit so every API replica hears every writer (workers included).
-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateTable
CREATE TABLE "NotificationStreamTicket" (
    "tokenHash" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "tokenVersion" INTEGER NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "sessionEndsAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotificationStreamTicket_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE INDEX "NotificationStreamTicket_expiresAt_idx" ON "NotificationStreamTicket"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "Notification_seq_key" ON "Notification"("seq");

-- CreateIndex
CREATE INDEX "Notification_userId_seq_idx" ON "Notification"("userId", "seq");

-- AddForeignKey
ALTER TABLE "NotificationStreamTicket" ADD CONSTRAINT "NotificationStreamTicket_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Every committed notification is announced on kv_notifications: NOTIFY is transactional,
-- so a rolled-back deposit credit announces nothing, and listeners hear commits in commit
-- order whichever process (API replica or worker) inserted the row. The payload is small
-- (user and position); the listener reads the row itself.
CREATE FUNCTION notification_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kv_notifications', json_build_object('u', NEW."userId", 's', NEW."seq")::text);
  RETURN NULL;
END $$;

CREATE TRIGGER notification_announce AFTER INSERT ON "Notification"
  FOR EACH ROW EXECUTE FUNCTION notification_announce();

-- Logout-all, password reset, role change and verification bump tokenVersion: open streams
-- opened with an older token close on every replica.
CREATE FUNCTION user_sessions_revoked_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('kv_sessions_revoked', json_build_object('u', NEW."id", 'v', NEW."tokenVersion")::text);
  RETURN NULL;
END $$;

CREATE TRIGGER user_sessions_revoked_announce AFTER UPDATE OF "tokenVersion" ON "User"
  FOR EACH ROW WHEN (NEW."tokenVersion" IS DISTINCT FROM OLD."tokenVersion")
  EXECUTE FUNCTION user_sessions_revoked_announce();

-- The stream position is assigned once and never rewritten (a replayed Last-Event-ID must
-- keep meaning the same place).
CREATE FUNCTION notification_seq_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."seq" IS DISTINCT FROM OLD."seq" OR NEW."userId" IS DISTINCT FROM OLD."userId" THEN
    RAISE EXCEPTION 'Notification.seq and userId are immutable' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER notification_seq_immutable BEFORE UPDATE ON "Notification"
  FOR EACH ROW EXECUTE FUNCTION notification_seq_immutable();
