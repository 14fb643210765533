-- The insert checks the run and each device once per statement (src/db/runs.ts, writeEncodedResults),
-- where these keys checked them row by row. The relations stay in schema.prisma for Prisma's queries.
-- DropForeignKey
ALTER TABLE "check_results" DROP CONSTRAINT "check_results_check_run_id_fkey";

-- DropForeignKey
ALTER TABLE "check_results" DROP CONSTRAINT "check_results_device_id_fkey";
