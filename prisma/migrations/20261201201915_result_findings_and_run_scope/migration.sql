-- AlterTable
ALTER TABLE "check_runs" ADD COLUMN     "scope" JSONB;

-- AlterTable
ALTER TABLE "check_results" ADD COLUMN     "findings" JSONB NOT NULL DEFAULT '[]';
