-- DropForeignKey
ALTER TABLE "scan_cards" DROP CONSTRAINT "scan_cards_check_run_id_fkey";
