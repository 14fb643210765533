-- DropIndex
DROP INDEX "check_results_check_run_id_status_idx";
