-- AlterTable
ALTER TABLE "check_runs" ADD COLUMN     "scan" JSONB,
ADD COLUMN     "strategy" TEXT,
ADD COLUMN     "unknown_cards" INTEGER,
ADD COLUMN     "unknown_no_serial" INTEGER;

-- CreateTable
CREATE TABLE "scan_cards" (
    "check_run_id" INTEGER NOT NULL,
    "itemtype" TEXT NOT NULL,
    "glpi_id" INTEGER NOT NULL,
    "is_deleted" BOOLEAN NOT NULL,
    "serial_normalized" TEXT,
    "stored_serial" TEXT,
    "item" JSONB NOT NULL,

    CONSTRAINT "scan_cards_pkey" PRIMARY KEY ("check_run_id","itemtype","glpi_id","is_deleted")
);

-- CreateIndex
CREATE INDEX "scan_cards_check_run_id_serial_normalized_idx" ON "scan_cards"("check_run_id", "serial_normalized");

-- AddForeignKey
ALTER TABLE "scan_cards" ADD CONSTRAINT "scan_cards_check_run_id_fkey" FOREIGN KEY ("check_run_id") REFERENCES "check_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
