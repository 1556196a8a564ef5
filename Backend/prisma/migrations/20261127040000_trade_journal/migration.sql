-- Trade journal: a result and free-form metadata, bounded in the database too.
-- AlterTable
ALTER TABLE "Trade" ADD COLUMN     "metadata" JSONB,
ADD COLUMN     "result" DECIMAL(36,18);

-- CreateIndex
CREATE INDEX "Trade_userId_createdAt_idx" ON "Trade"("userId", "createdAt");

ALTER TABLE "Trade" ADD CONSTRAINT "Trade_notes_length" CHECK ("notes" IS NULL OR char_length("notes") <= 500);
ALTER TABLE "Trade" ADD CONSTRAINT "Trade_metadata_bounded" CHECK ("metadata" IS NULL OR (jsonb_typeof("metadata") = 'object' AND octet_length("metadata"::text) <= 4096));
ALTER TABLE "Trade" ADD CONSTRAINT "Trade_coin_symbol" CHECK ("coin" ~ '^[A-Z0-9]{2,12}$');
