// `stammkunde coupons import <pool> <csv>`: codes the shop's platform created, as a pool that
// campaigns hand out (CouponSpec.pool), each code once. `stammkunde coupons export [--campaign id]
// [--out file]`: the issued codes as CSV, for a checkout that imports codes instead of listening
// to CouponIssued. `stammkunde coupons stats [--campaign id]`: redemptions, redeemed revenue and
// refused uses by reason. All against a deployed table (--table | --stack).
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { Slug } from '#core/campaign';
import { normalizeCode, type CouponStore, type StoredCoupon } from '#core/coupons';
import { NO_CAMPAIGN, formatCouponStats, type RedemptionStore } from '#core/coupon-redemption';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';

/** Pooled codes as shop platforms make them: letters, digits, "-" and "_" (upper-cased on import, as redemption compares them). */
const POOL_CODE = /^[A-Z0-9][A-Z0-9_-]{2,63}$/;

export interface PoolFile {
  codes: string[];
  /** `file:line: code: message` per bad row. */
  problems: string[];
}

/**
 * The codes of a CSV: the column headed `code` (any case), or the first column when the first
 * row is no header. Empty lines are skipped; every other bad row is named with its line.
 */
export const readPoolCsv = (file: string, text: string): PoolFile => {
  const rows = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
  const header = rows[0]?.record.map((cell) => cell.toLowerCase());
  const column = header?.includes('code') ? header.indexOf('code') : 0;
  const body = header?.includes('code') ? rows.slice(1) : rows;
  const codes: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { record, info } of body) {
    const raw = record[column] ?? '';
    const code = normalizeCode(raw);
    if (!POOL_CODE.test(code)) problems.push(`${file}:${info.lines}: code: "${raw.slice(0, 80)}" must be 3 to 64 letters, digits, "-" or "_"`);
    else if (seen.has(code)) problems.push(`${file}:${info.lines}: code: ${code} appears twice in the file`);
    else {
      seen.add(code);
      codes.push(code);
    }
  }
  return { codes, problems };
};

export const runCouponsImport = async (pool: string, file: string, flags: TargetFlags, clients: AwsClients = {}): Promise<{ exitCode: number; lines: string[] }> => {
  if (!Slug.safeParse(pool).success) return { exitCode: 1, lines: [`pool "${pool}": must be lower-case letters, digits and dashes (the id a coupon spec names)`] };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { exitCode: 1, lines: [`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`] };
  }
  let read: PoolFile;
  try {
    read = readPoolCsv(file, text);
  } catch (error) {
    return { exitCode: 1, lines: [`${file}: not a CSV file: ${(error as Error).message}`] };
  }
  if (read.codes.length === 0) return { exitCode: 1, lines: [...read.problems, `${file}: no codes to import`] };
  const target = await resolveTarget(flags, clients);
  try {
    const store = createDynamoCouponStore({ client: target.client, tableName: target.tableName });
    const { added, duplicates } = await store.addPoolCodes(pool, read.codes);
    const state = await store.poolState(pool);
    const lines = [...read.problems];
    if (duplicates.length > 0) lines.push(`${duplicates.length} codes already known (imported before, or issued), skipped: ${duplicates.slice(0, 5).join(', ')}${duplicates.length > 5 ? ', …' : ''}`);
    lines.push(`pool ${pool}: ${added} codes imported, ${read.problems.length} bad rows; ${state.remaining} of ${state.imported} codes left to hand out`);
    const waiting = (await target.store.listPausedOccurrences()).filter((p) => p.cause === 'pool' && p.reason.includes(`coupon pool "${pool}"`));
    for (const p of waiting) lines.push(`occurrence ${p.occurrenceId} is paused because the pool ran dry: stammkunde resume ${p.occurrenceId} --stack|--table …`);
    return { exitCode: read.problems.length > 0 ? 1 : 0, lines };
  } finally {
    target.close();
  }
};

export const COUPON_CSV_COLUMNS = [
  'code', 'campaignId', 'occurrenceId', 'customerId', 'valueType', 'percent', 'amountCents', 'currency', 'minimumOrderCents',
  'issuedAt', 'expiresAt', 'source', 'pool', 'rewardId', 'redeemedAt', 'redeemedOrderId',
] as const;

/** RFC 4180: a cell with a comma, quote or line break is quoted, quotes doubled. */
const cell = (value: string | number | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const couponCsvRow = (c: StoredCoupon): string =>
  [
    c.code, c.campaignId, c.occurrenceId, c.customerId, c.value.type,
    c.value.type === 'percent' ? c.value.percent : undefined,
    c.value.type === 'amount' ? c.value.amountCents : undefined,
    c.value.type === 'amount' ? c.value.currency : undefined,
    c.minimumOrderCents, c.issuedAt, c.expiresAt, c.source, c.pool, c.rewardId, c.redeemedAt, c.redeemedOrderId,
  ].map(cell).join(',');

/** Every coupon of the campaigns, as CSV text (header first), page by page. */
export const couponsCsv = async (store: Pick<CouponStore, 'listCoupons'>, campaignIds: readonly string[]): Promise<{ csv: string; rows: number }> => {
  const lines = [COUPON_CSV_COLUMNS.join(',')];
  for (const campaignId of campaignIds) {
    let cursor: string | undefined;
    do {
      const page = await store.listCoupons(campaignId, cursor ? { cursor } : {});
      for (const coupon of page.items) lines.push(couponCsvRow(coupon));
      cursor = page.cursor;
    } while (cursor);
  }
  return { csv: `${lines.join('\n')}\n`, rows: lines.length - 1 };
};

export const runCouponsExport = async (flags: TargetFlags & { campaign?: string; out?: string }, clients: AwsClients = {}): Promise<string> => {
  const target = await resolveTarget(flags, clients);
  try {
    const store = createDynamoCouponStore({ client: target.client, tableName: target.tableName });
    const campaignIds = flags.campaign !== undefined ? [flags.campaign] : (await target.store.listCampaigns()).map((c) => c.campaignId).sort();
    const { csv, rows } = await couponsCsv(store, campaignIds);
    if (!flags.out) return csv;
    await writeFile(flags.out, csv, { mode: 0o600 });
    return `${rows} coupons written to ${flags.out}`;
  } finally {
    target.close();
  }
};

export const runCouponsStats = async (flags: TargetFlags & { campaign?: string }, clients: AwsClients = {}): Promise<string[]> => {
  const target = await resolveTarget(flags, clients);
  try {
    const store: RedemptionStore = createDynamoCouponStore({ client: target.client, tableName: target.tableName });
    const campaignIds = flags.campaign !== undefined ? [flags.campaign] : [...(await target.store.listCampaigns()).map((c) => c.campaignId).sort(), NO_CAMPAIGN];
    return formatCouponStats(await Promise.all(campaignIds.map((id) => store.couponStats(id))));
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  const coupons = program.command('coupons').description('coupon code pools, the issued codes as CSV, and redemption stats');
  addTargetOptions(
    coupons
      .command('import')
      .description('import a CSV of codes the shop created (a "code" column, or codes in the first column) into a pool campaigns hand out')
      .argument('<pool>', 'the pool id a coupon spec names ("pool": "<id>")')
      .argument('<csv>', 'the CSV file'),
  ).action(async (pool: string, file: string, flags: TargetFlags) => {
    const outcome = await runCouponsImport(pool, file, flags);
    for (const line of outcome.lines) console.log(line);
    process.exitCode = outcome.exitCode;
  });
  addTargetOptions(
    coupons
      .command('export')
      .description('the issued coupons as CSV (code, campaign, occurrence, customer id, value, expiry, redemption)')
      .option('--campaign <id>', 'only this campaign\'s coupons')
      .option('--out <file>', 'write the CSV here (mode 600) instead of printing it'),
  ).action(async (flags: TargetFlags & { campaign?: string; out?: string }) => {
    process.stdout.write(await runCouponsExport(flags).then((out) => (out.endsWith('\n') ? out : `${out}\n`)));
  });
  addTargetOptions(
    coupons
      .command('stats')
      .description('redeemed coupons and revenue per campaign, and refused uses by reason (second use, expired, another customer\'s, unknown)')
      .option('--campaign <id>', 'only this campaign'),
  ).action(async (flags: TargetFlags & { campaign?: string }) => {
    for (const line of await runCouponsStats(flags)) console.log(line);
  });
};
