/**
 * Counts what the activities of this worker return, without touching them: a settled batch's
 * totals (checkBatch, markBatchFailed) and a finished run's duration (finishRun).
 */
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';
import type { Context } from '@temporalio/activity';
import type { Totals } from '../core/results';
import type { RunReport } from '../workflows/types';
import type { ServiceMetrics } from './registry';

export function metricsInterceptor(metrics: ServiceMetrics) {
  return (ctx: Context): { inbound: ActivityInboundCallsInterceptor } => ({
    inbound: {
      async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
        const result: unknown = await next(input);
        const type = ctx.info.activityType;
        if ((type === 'checkBatch' || type === 'markBatchFailed') && result) metrics.countBatch(result as Totals);
        if (type === 'finishRun' && result) {
          const report = result as RunReport;
          metrics.observeRunFinished(report.status, report.durationMs / 1000);
        }
        return result;
      },
    },
  });
}
