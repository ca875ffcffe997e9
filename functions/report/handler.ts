// The report Lambda: EventBridge Scheduler invokes it weekly with {scheduledTime}; it builds the
// report of the last twelve months (functions/report/weekly.ts) from the month counters ingest
// keeps and the campaigns' stats, stores JSON and HTML in the report bucket, and mails a summary
// with a link when REPORT_MAIL_TO is set. Thin: parse, call, log.
import * as z from 'zod';
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createLogger } from '#adapters/logger';
import { createDocumentClient, createSesClient } from '#adapters/aws-clients';
import { createDynamoKpiStore } from '#adapters/dynamo-kpi-store';
import { createDynamoClickCounts } from '#adapters/dynamo-click-store';
import { createDynamoFunnelStore } from '#adapters/dynamo-funnel-store';
import { createCampaignOutcomes } from '#core/funnel-report';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createS3ReportObjects } from '#adapters/s3-report-objects';
import { SesMailer } from '#adapters/ses-mailer';
import { parseEnv, envInt } from '#core/delivery/env';
import { isIanaTimeZone } from '#core/events';
import { DEFAULT_ACTIVE_DAYS } from '#core/kpis';
import { kpiSourceOf } from '#core/report';
import { runWeeklyReport, type WeeklyReportDeps, type WeeklyReportResult } from './weekly';

export const ReportEvent = z.object({ scheduledTime: z.iso.datetime({ offset: true }).optional() });
export type ReportHandler = (event: unknown) => Promise<WeeklyReportResult>;

export const createReportHandler = (deps: WeeklyReportDeps, options: { logger?: Logger; now?: () => Date } = {}): ReportHandler => {
  const logger = options.logger ?? createLogger('report');
  return async (event) => {
    const parsed = ReportEvent.safeParse(event ?? {});
    if (!parsed.success) throw new Error(`report event: scheduledTime: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const at = parsed.data.scheduledTime ? new Date(parsed.data.scheduledTime) : (options.now ?? (() => new Date()))();
    const result = await runWeeklyReport(deps, at);
    logger.info('report written', { ...result });
    return result;
  };
};

const ReportEnv = z.object({
  TABLE_NAME: z.string().min(1),
  DYNAMODB_ENDPOINT: z.url().optional(),
  REPORT_BUCKET: z.string().min(3),
  REPORT_TIME_ZONE: z.string().refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin"').default('Europe/Berlin'),
  REPORT_ACTIVE_DAYS: envInt(DEFAULT_ACTIVE_DAYS, 1, 3660),
  REPORT_LANG: z.enum(['de', 'en']).default('de'),
  /** The marketer's address for the summary mail; unset: no mail. */
  REPORT_MAIL_TO: z.email().optional(),
  SENDER_ADDRESS: z.string().min(3).optional(),
  AWS_REGION: z.string().min(1).default('eu-central-1'),
});

let lazy: ReportHandler | undefined;
export const handler: ReportHandler = (event) => {
  if (!lazy) {
    const config = parseEnv('report', ReportEnv, process.env);
    const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    lazy = createReportHandler({
      // Counters only, never a scan of the profiles: after upgrading a shop with history, run
      // `stammkunde report --rebuild` once so the counters hold the orders from before.
      kpis: kpiSourceOf({ store: createDynamoKpiStore({ client, tableName: config.TABLE_NAME }) }),
      funnels: {
        deliveries: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
        clicks: createDynamoClickCounts({ client, tableName: config.TABLE_NAME }),
        // Attributed conversions and revenue, A/B variants with their lift (core/funnel-report.ts).
        outcomes: createCampaignOutcomes(createDynamoFunnelStore({ client, tableName: config.TABLE_NAME })),
      },
      objects: createS3ReportObjects({ client: new S3Client({}), bucket: config.REPORT_BUCKET, region: config.AWS_REGION }),
      timeZone: config.REPORT_TIME_ZONE,
      activeDays: config.REPORT_ACTIVE_DAYS,
      lang: config.REPORT_LANG,
      ...(config.REPORT_MAIL_TO && config.SENDER_ADDRESS ? { mail: { mailer: new SesMailer(createSesClient({})), from: config.SENDER_ADDRESS, to: config.REPORT_MAIL_TO } } : {}),
    });
  }
  return lazy(event);
};
