/**
 * What a check produces: the status of one device's lookup, the totals of a run and how a
 * run ends. The database enums (prisma/schema.prisma) must hold exactly these values;
 * test/core.test.ts compares them with the generated Prisma client.
 */

/** found: one GLPI asset has the serial; conflict: several; not_found: none; error: the lookup failed. */
export const RESULT_STATUSES = ['found', 'conflict', 'not_found', 'error'] as const;
export type ResultStatus = (typeof RESULT_STATUSES)[number];

export function isResultStatus(value: string): value is ResultStatus {
  return (RESULT_STATUSES as readonly string[]).includes(value);
}

/** How a run ends. A run with error results is never "completed": their state is unknown. */
export const RUN_OUTCOMES = ['completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** A run's row in the database: running until it ends with an outcome. */
export const RUN_STATUSES = ['running', ...RUN_OUTCOMES] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** What started a run: the daily schedule, a manual full check, or a check of chosen devices. */
export const RUN_TRIGGERS = ['schedule', 'manual', 'devices'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export interface Totals {
  checked: number;
  found: number;
  conflicts: number;
  notFound: number;
  errors: number;
}

export const EMPTY_TOTALS: Totals = { checked: 0, found: 0, conflicts: 0, notFound: 0, errors: 0 };

export function addTotals(a: Totals, b: Totals): Totals {
  return {
    checked: a.checked + b.checked,
    found: a.found + b.found,
    conflicts: a.conflicts + b.conflicts,
    notFound: a.notFound + b.notFound,
    errors: a.errors + b.errors,
  };
}
