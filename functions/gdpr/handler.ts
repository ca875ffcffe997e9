// The gdpr Lambda: the shop's GDPR requests on AWS (core/gdpr.ts). Two ways in:
// - invoked directly (lambda:InvokeFunction, `Stammkunde.grantGdpr`):
//   `{"action": "export" | "erase", "customerId": "...", "requestId"?: "..."}`; an export answers
//   the JSON document in the response (Lambda's 6 MB response limit);
// - the shop's `CustomerErasureRequested` / `CustomerExportRequested` events on the Stammkunde bus
//   (source "shop", detail `{customerId, requestId?}`); the rule retries and then dead-letters.
//   An export requested by event is refused with a clear error for now: it needs the private S3
//   bucket and presigned link that are not built yet (README "Where this differs").
// Both are idempotent (erase twice is a no-op; export reads). Logs carry the customer id, the
// request id and counts, never the email or the name.
import * as z from 'zod';
import { createLogger } from '#adapters/logger';
import { eraseCustomer, exportCustomer, type CustomerExport, type ErasureResult, type GdprDeps } from '#core/gdpr';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoPersonalData, hashEmail } from '#adapters/dynamo-personal-data';
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
  | { action: 'export'; customerId: string; requestId?: string; found: false }
  | { action: 'export'; customerId: string; requestId?: string; found: true; export: CustomerExport }
  | ({ action: 'erase'; requestId?: string } & ErasureResult);

export type GdprHandler = (event: unknown) => Promise<GdprResponse>;

export const createGdprHandler = (deps: GdprDeps, options: { now?: () => Date; logger?: ReturnType<typeof createLogger> } = {}): GdprHandler => {
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
      logger.info('customer erased', { ...ids, via: request.via, deleted: result.deleted, rejectionsDeleted: result.rejectionsDeleted, keptSuppression: result.keptSuppression, found: result.found });
      return { action: 'erase', ...(request.requestId ? { requestId: request.requestId } : {}), ...result };
    }
    if (request.via === 'event') throw new Error(`CustomerExportRequested for customer ${request.customerId}: exports by event need the S3 export bucket, which is not built yet; invoke the function with {"action":"export"} or run stammkunde export`);
    const data = await exportCustomer(deps, request.customerId, now());
    logger.info('customer exported', { ...ids, found: data !== undefined, events: data?.events.length ?? 0, mails: data?.mails.length ?? 0 });
    return data ? { action: 'export', ...ids, found: true, export: data } : { action: 'export', ...ids, found: false };
  };
};

const GdprEnv = z.object({ TABLE_NAME: z.string().min(1), DYNAMODB_ENDPOINT: z.url().optional() });

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
    });
  }
  return lazy(event);
};
