-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "run_trigger" AS ENUM ('schedule', 'manual', 'devices');

-- CreateEnum
CREATE TYPE "run_status" AS ENUM ('running', 'completed', 'completed_with_errors', 'failed', 'cancelled');

-- CreateEnum
CREATE TYPE "result_status" AS ENUM ('found', 'conflict', 'not_found', 'error');

-- CreateTable
CREATE TABLE "devices" (
    "id" SERIAL NOT NULL,
    "serial" TEXT NOT NULL,
    "serial_normalized" TEXT NOT NULL,
    "name" TEXT,
    "model" TEXT,
    "location" TEXT,
    "organisation" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "devices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "check_runs" (
    "id" SERIAL NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "trigger" "run_trigger" NOT NULL,
    "status" "run_status" NOT NULL DEFAULT 'running',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "total" INTEGER NOT NULL DEFAULT 0,
    "found" INTEGER NOT NULL DEFAULT 0,
    "conflicts" INTEGER NOT NULL DEFAULT 0,
    "not_found" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "duration_ms" INTEGER,
    "failure_reason" TEXT,

    CONSTRAINT "check_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "check_results" (
    "id" BIGSERIAL NOT NULL,
    "check_run_id" INTEGER NOT NULL,
    "device_id" INTEGER NOT NULL,
    "status" "result_status" NOT NULL,
    "glpi_ids" INTEGER[],
    "glpi_items" JSONB NOT NULL DEFAULT '[]',
    "status_name" TEXT,
    "error_message" TEXT,
    "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "check_results_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "devices_serial_normalized_key" ON "devices"("serial_normalized");

-- CreateIndex
CREATE INDEX "devices_active_id_idx" ON "devices"("active", "id");

-- CreateIndex
CREATE INDEX "check_runs_started_at_idx" ON "check_runs"("started_at");

-- CreateIndex
CREATE UNIQUE INDEX "check_runs_workflow_id_run_id_key" ON "check_runs"("workflow_id", "run_id");

-- CreateIndex
CREATE INDEX "check_results_device_id_checked_at_idx" ON "check_results"("device_id", "checked_at" DESC);

-- CreateIndex
CREATE INDEX "check_results_check_run_id_status_idx" ON "check_results"("check_run_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "check_results_check_run_id_device_id_key" ON "check_results"("check_run_id", "device_id");

-- AddForeignKey
ALTER TABLE "check_results" ADD CONSTRAINT "check_results_check_run_id_fkey" FOREIGN KEY ("check_run_id") REFERENCES "check_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "check_results" ADD CONSTRAINT "check_results_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "devices"("id") ON DELETE CASCADE ON UPDATE CASCADE;
