// `stammkunde coupons import|export|stats` against dynalite, through the same functions the CLI runs.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { startLocalAws, type LocalAws } from '#local/servers';
import { createDocumentClient } from '#adapters/aws-clients';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { CouponSpec } from '#core/campaign';
import { issueCoupon } from '#core/coupons';
import { redeemCoupon } from '#core/coupon-redemption';
import { readPoolCsv, runCouponsExport, runCouponsImport, runCouponsStats } from '#cli/commands/coupons';
import { publishExample } from '../unit/delivery-fixtures';

let aws: LocalAws;
let dir: string;
const flags = () => ({ table: aws.tableName });
const clients = () => ({ documentClient: createDocumentClient({ endpoint: aws.dynamoEndpoint }) });
const coupons = () => createDynamoCouponStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName: aws.tableName });

beforeAll(async () => {
  aws = await startLocalAws('coupons-cli-test');
  dir = await mkdtemp(join(tmpdir(), 'stammkunde-coupons-'));
});
afterAll(async () => {
  await aws.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('coupons import', () => {
  it('reads the code column (or the first column), upper-cases codes and names every bad row', () => {
    expect(readPoolCsv('p.csv', 'id,code\n1,spring-a1\n2,SPRING-A2\n\n3,x\n4,SPRING-A1\n')).toEqual({
      codes: ['SPRING-A1', 'SPRING-A2'],
      problems: ['p.csv:5: code: "x" must be 3 to 64 letters, digits, "-" or "_"', 'p.csv:6: code: SPRING-A1 appears twice in the file'],
    });
    expect(readPoolCsv('p.csv', 'ABC-1\nABC-2\n').codes).toEqual(['ABC-1', 'ABC-2']);
  });

  it('imports a pool, reports codes known before, and says what is left to hand out', async () => {
    const file = join(dir, 'pool.csv');
    await writeFile(file, 'code\nSHOP-001\nSHOP-002\nSHOP-003\n');
    expect(await runCouponsImport('shop-may', file, flags(), clients())).toEqual({ exitCode: 0, lines: ['pool shop-may: 3 codes imported, 0 bad rows; 3 of 3 codes left to hand out'] });
    await writeFile(file, 'code\nSHOP-003\nSHOP-004\n');
    expect((await runCouponsImport('shop-may', file, flags(), clients())).lines).toEqual([
      '1 codes already known (imported before, or issued), skipped: SHOP-003',
      'pool shop-may: 1 codes imported, 0 bad rows; 4 of 4 codes left to hand out',
    ]);
  });

  it('names the occurrence a dry pool paused, to resume after the import', async () => {
    const delivery = createDynamoDeliveryStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName: aws.tableName });
    await delivery.pauseOccurrence('spring:2026-04-01T08:00Z', 'coupon pool "dry-pool" is exhausted (1 codes imported, all handed out): import more', 'pool', 0);
    const file = join(dir, 'dry.csv');
    await writeFile(file, 'DRY-1\n');
    expect((await runCouponsImport('dry-pool', file, flags(), clients())).lines).toContain('occurrence spring:2026-04-01T08:00Z is paused because the pool ran dry: stammkunde resume spring:2026-04-01T08:00Z --stack|--table …');
  });

  it('fails on a pool id that no coupon spec could name, and on a missing file', async () => {
    expect(await runCouponsImport('Shop May', 'x.csv', flags(), clients())).toEqual({ exitCode: 1, lines: ['pool "Shop May": must be lower-case letters, digits and dashes (the id a coupon spec names)'] });
    expect(await runCouponsImport('shop-may', join(dir, 'missing.csv'), flags(), clients())).toEqual({ exitCode: 1, lines: [`${join(dir, 'missing.csv')}: no such file`] });
  });
});

describe('coupons export and stats', () => {
  it('writes the issued coupons of a campaign as CSV with value, expiry and redemption', async () => {
    const store = coupons();
    const published = await publishExample('winback-discount.json');
    await createDynamoDeliveryStore({ client: createDocumentClient({ endpoint: aws.dynamoEndpoint }), tableName: aws.tableName }).putCampaign(published);
    const spec = CouponSpec.parse({ value: { type: 'amount', amountCents: 500, currency: 'EUR' }, validDays: 10, minimumOrderCents: 2000, prefix: 'WB' });
    const at = new Date('2026-12-01T09:00:00Z');
    const a = await issueCoupon({ store }, { campaignId: 'winback-discount', occurrenceId: 'winback-discount:2026-12-01T09:00Z', customerId: 'c1', spec, at });
    await issueCoupon({ store }, { campaignId: 'winback-discount', occurrenceId: 'winback-discount:2026-12-01T09:00Z', customerId: 'c,2', spec, at: new Date(at.getTime() + 1000) });
    await redeemCoupon(store, { couponCode: a.code, customerId: 'c1', orderId: 'o-1', at: '2026-12-02T10:00:00Z', totalCents: 3000 });
    await redeemCoupon(store, { couponCode: 'NOPE-1', customerId: 'c1', orderId: 'o-2', at: '2026-12-02T10:00:00Z', totalCents: 3000 });
    const out = join(dir, 'coupons.csv');
    expect(await runCouponsExport({ ...flags(), campaign: 'winback-discount', out }, clients())).toBe(`2 coupons written to ${out}`);
    const rows = parse(await readFile(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      expect.objectContaining({ code: a.code, customerId: 'c1', valueType: 'amount', amountCents: '500', currency: 'EUR', minimumOrderCents: '2000', expiresAt: '2026-12-11T09:00:00.000Z', redeemedOrderId: 'o-1' }),
      expect.objectContaining({ customerId: 'c,2', redeemedAt: '' }),
    ]);
    expect(await runCouponsExport(flags(), clients())).toContain(a.code);
    expect(await runCouponsStats(flags(), clients())).toEqual([
      'winback-discount: redeemed 1, revenue 30.00; refused: alreadyRedeemed 0, expired 0, otherCustomer 0, unknown 0',
      '(unknown codes): redeemed 0, revenue 0.00; refused: alreadyRedeemed 0, expired 0, otherCustomer 0, unknown 1',
    ]);
  });
});
