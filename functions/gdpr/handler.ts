// The gdpr Lambda: the shop's GDPR requests on AWS (core/gdpr.ts). Two ways in:
// - invoked directly (lambda:InvokeFunction, `Stammkunde.grantGdpr`):
//   `{"action": "export" | "erase", "customerId": "...", "requestId"?: "..."}`;
// - the shop's `CustomerErasureRequested` / `CustomerExportRequested` events on the Stammkunde bus
//   (source "shop", detail `{customerId, requestId?}`); the rule retries and then dead-letters.
// An export is written as a private, encrypted object (ExportWriter: the S3 export bucket) under
// exports/<customerId>/<requestId>.json; the answer and the log name the key and a short-lived
// presigned link, never the data. Both are idempotent per request id: erase twice is a no-op, and
// an export request seen again answers the object already written (a fresh link) without reading
// the table again. An invocation without a request id gets one from the clock. Logs carry the
// customer id, the request id, the key and counts, never the email or the name.
import * as z from 'zod';
import { createLogger } from '#adapters/logger';
import { DEFAULT_EXPORT_LINK_SECONDS, eraseCustomer, exportCustomer, exportKeyOf, type ErasureResult, type ExportLocation, type ExportWriter, type GdprDeps } from '#core/gdpr';
import { S3Client } from '@aws-sdk/client-s3';
import { createS3ExportWriter } from '#adapters/s3-export-writer';
import { envInt } from '#core/delivery/env';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoPersonalData, hashEmail } from '#adapters/dynamo-personal-data';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { parseEnv } from '#core/delivery/env';

const CustomerId = z.string().regex(/^[^\s#]{1,200}$/, 'must be 1 to 200 characters without spaces or "#"');

export const GdprRequest = z.union([
  z.object({ action: z.enum(['export', 'erase']), customerId: CustomerId, requestId: z.string().max(200).optional() }),
  z.object({
    id: z.string(),
    'detail-type': z.enum(['CustomerExportRequested', 'CustomerErasureRequested']),
    detail: z.object({ customerId: CustomerId, requestId: z.string().max(200).optional() }),
  }),
]);

export type GdprResponse =
  | { action: 'export'; customerId: string; requestId: string; found: false }
  | ({ action: 'export'; customerId: string; requestId: string; found: true; written: boolean } & ExportLocation)
  | ({ action: 'erase'; requestId?: string } & ErasureResult);

export type GdprHandler = (event: unknown) => Promise<GdprResponse>;

export const createGdprHandler = (deps: GdprDeps & { exports: ExportWriter }, options: { now?: () => Date; logger?: ReturnType<typeof createLogger> } = {}): GdprHandler => {
  const logger = options.logger ?? createLogger('gdpr');
  const now = options.now ?? (() => new Date());
  return async (event) => {
    const parsed = GdprRequest.safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`gdpr request: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}`);
    }
    const request = 'action' in parsed.data
      ? { action: parsed.data.action, customerId: parsed.data.customerId, requestId: parsed.data.requestId, via: 'invoke' as const }
      : { action: parsed.data['detail-type'] === 'CustomerExportRequested' ? ('export' as const) : ('erase' as const), customerId: parsed.data.detail.customerId, requestId: parsed.data.detail.requestId ?? parsed.data.id, via: 'event' as const };
    const ids = { customerId: request.customerId, ...(request.requestId ? { requestId: request.requestId } : {}) };
    if (request.action === 'erase') {
      const result = await eraseCustomer(deps, request.customerId, now());
      logger.info('customer erased', { ...ids, via: request.via, deleted: result.deleted, heldWorkChanged: result.heldWorkChanged, rejectionsDeleted: result.rejectionsDeleted, keptSuppression: result.keptSuppression, found: result.found });
      return { action: 'erase', ...(request.requestId ? { requestId: request.requestId } : {}), ...result };
    }
    const requestId = request.requestId ?? `invoke-${now().toISOString()}`;
    const key = exportKeyOf(request.customerId, requestId);
    const exportIds = { customerId: request.customerId, requestId };
    const already = await deps.exports.locate(key);
    if (already) {
      logger.info('customer export already written', { ...exportIds, via: request.via, key });
      return { action: 'export', ...exportIds, found: true, written: false, ...already };
    }
    const data = await exportCustomer(deps, request.customerId, now());
    if (!data) {
      logger.info('customer export: nothing on record', { ...exportIds, via: request.via });
      return { action: 'export', ...exportIds, found: false };
    }
    const location = await deps.exports.write(key, JSON.stringify(data, null, 2));
    logger.info('customer exported', { ...exportIds, via: request.via, key, expiresAt: location.expiresAt, events: data.events.length, mails: data.mails.length });
    return { action: 'export', ...exportIds, found: true, written: true, ...location };
  };
};

const GdprEnv = z.object({
  TABLE_NAME: z.string().min(1),
  DYNAMODB_ENDPOINT: z.url().optional(),
  EXPORT_BUCKET: z.string().min(3),
  EXPORT_LINK_SECONDS: envInt(DEFAULT_EXPORT_LINK_SECONDS, 60, 43_200),
  EXPORT_KMS_KEY_ID: z.string().min(1).optional(),
});

let lazy: GdprHandler | undefined;
export const handler: GdprHandler = (event) => {
  if (!lazy) {
    const config = parseEnv('gdpr', GdprEnv, process.env);
    const client = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT });
    lazy = createGdprHandler({
      customers: createDynamoStore({ client, tableName: config.TABLE_NAME }),
      delivery: createDynamoDeliveryStore({ client, tableName: config.TABLE_NAME }),
      personal: createDynamoPersonalData({ client, tableName: config.TABLE_NAME }),
      hashEmail,
      referrals: createDynamoReferralStore({ client, tableName: config.TABLE_NAME }),
      coupons: createDynamoCouponStore({ client, tableName: config.TABLE_NAME }),
      exports: createS3ExportWriter({ client: new S3Client({}), bucket: config.EXPORT_BUCKET, linkSeconds: config.EXPORT_LINK_SECONDS, ...(config.EXPORT_KMS_KEY_ID ? { kmsKeyId: config.EXPORT_KMS_KEY_ID } : {}) }),
    });
  }
  return lazy(event);
};
