-- Cumulative counts of every pass of each background job (deposits checked, credited, verifier
-- errors, ...), added up by every process that runs it: the API exports them as
-- kryptovault_job_items_total, so the work of CronJob pods nobody scraped is counted too.
-- AlterTable
ALTER TABLE "JobStatus" ADD COLUMN     "totals" JSONB NOT NULL DEFAULT '{}';
