-- CreateIndex
CREATE INDEX "check_results_check_run_id_status_device_id_idx" ON "check_results"("check_run_id", "status", "device_id");

-- Written by hand (the Prisma schema cannot express them, and schema-to-schema diffs never see them):
-- the finding filter of the web page walks only the results that have findings, and its sortable
-- text columns read a blank as an empty string, so that keyset paging has no NULLs to step around.
CREATE INDEX "check_results_with_findings_idx" ON "check_results"("check_run_id", "device_id") WHERE "findings" <> '[]'::jsonb;
CREATE INDEX "devices_name_sort_idx" ON "devices"((coalesce("name", '')), "id");
CREATE INDEX "devices_model_sort_idx" ON "devices"((coalesce("model", '')), "id");
CREATE INDEX "devices_location_sort_idx" ON "devices"((coalesce("location", '')), "id");
CREATE INDEX "devices_organisation_sort_idx" ON "devices"((coalesce("organisation", '')), "id");
