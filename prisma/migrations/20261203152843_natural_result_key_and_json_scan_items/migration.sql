-- check_results: the natural key (one result per run and device) becomes the primary key. The
-- unique index already on those columns is taken over as it is (renamed check_results_pkey)
-- rather than a second one built over every stored result. The surrogate id and its sequence go.
ALTER TABLE "check_results" DROP CONSTRAINT "check_results_pkey";
ALTER TABLE "check_results" DROP COLUMN "id";
ALTER TABLE "check_results" ADD CONSTRAINT "check_results_pkey" PRIMARY KEY USING INDEX "check_results_check_run_id_device_id_key";

-- scan_cards: a card is only stored and read whole, as its text.
ALTER TABLE "scan_cards" ALTER COLUMN "item" SET DATA TYPE JSON;
