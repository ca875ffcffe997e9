// `stammkunde export <customerId> [--out file]` (GDPR Art. 15/20) and `stammkunde erase
// <customerId>` (Art. 17), against a deployed table (--table | --stack). The export is JSON
// (core/gdpr.ts CustomerExport); erase prints what it deleted and whether an erasure record under
// the salted email hash was kept. Neither prints the email or the name.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { eraseCustomer, exportCustomer, type GdprDeps } from '#core/gdpr';
import { createDynamoStore } from '#adapters/dynamo-store';
import { createDynamoReferralStore } from '#adapters/dynamo-referral-store';
import { createDynamoCouponStore } from '#adapters/dynamo-coupon-store';
import { createDynamoPersonalData, hashEmail } from '#adapters/dynamo-personal-data';
import { addTargetOptions, resolveTarget, type AwsClients, type Target, type TargetFlags } from '#cli/aws-target';

const gdprDeps = (target: Target): GdprDeps => ({
  customers: createDynamoStore({ client: target.client, tableName: target.tableName }),
  delivery: target.store,
  personal: createDynamoPersonalData({ client: target.client, tableName: target.tableName }),
  hashEmail,
  referrals: createDynamoReferralStore({ client: target.client, tableName: target.tableName }),
  coupons: createDynamoCouponStore({ client: target.client, tableName: target.tableName }),
});

const checkId = (customerId: string): void => {
  if (!/^[^\s#]{1,200}$/.test(customerId)) throw new Error(`customer id "${customerId}": must be 1 to 200 characters without spaces or "#"`);
};

export const runExport = async (customerId: string, flags: TargetFlags & { out?: string }, clients: AwsClients = {}, now: Date = new Date()): Promise<string> => {
  checkId(customerId);
  const target = await resolveTarget(flags, clients);
  try {
    const data = await exportCustomer(gdprDeps(target), customerId, now);
    if (!data) throw new Error(`customer ${customerId}: nothing on record in table ${target.tableName}`);
    const json = `${JSON.stringify(data, null, 2)}\n`;
    if (!flags.out) return json;
    await writeFile(flags.out, json, { mode: 0o600 });
    return `customer ${customerId}: export written to ${flags.out} (${data.events.length} events, ${data.mails.length} mails, ${data.clicks.length} clicks, ${data.coupons.length} coupons)`;
  } finally {
    target.close();
  }
};

export const runErase = async (customerId: string, flags: TargetFlags, clients: AwsClients = {}, now: Date = new Date()): Promise<string> => {
  checkId(customerId);
  const target = await resolveTarget(flags, clients);
  try {
    const result = await eraseCustomer(gdprDeps(target), customerId, now);
    if (!result.found && result.couponsAnonymised === 0 && result.deleted === 0 && result.rejectionsDeleted === 0 && result.heldWorkChanged === 0) return `customer ${customerId}: nothing on record; nothing erased`;
    return (
      `customer ${customerId} erased: ${result.deleted} items and ${result.rejectionsDeleted} rejected events deleted` +
      (result.heldWorkChanged ? `, taken out of ${result.heldWorkChanged} held send work items` : '') +
      (result.couponsAnonymised ? `, ${result.couponsAnonymised} coupons no longer name the customer (code, value and redemption kept for the shop's figures)` : '') +
      (result.keptSuppression ? '; kept: a salted hash of the email, because the customer had unsubscribed or complained (a re-import of old consent is ignored)' : '; nothing kept')
    );
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  addTargetOptions(
    program
      .command('export')
      .description('GDPR Art. 15/20: everything on record about a customer, as JSON (profile, consent and proofs, events, mails, clicks, coupons, referrals)')
      .argument('<customerId>', 'the shop\'s customer id')
      .option('--out <file>', 'write the JSON here (mode 600) instead of printing it'),
  ).action(async (customerId: string, flags: TargetFlags & { out?: string }) => {
    process.stdout.write(`${(await runExport(customerId, flags)).trimEnd()}\n`);
  });
  addTargetOptions(
    program
      .command('erase')
      .description('GDPR Art. 17: delete a customer\'s personal data everywhere (keeps a salted email hash only after an unsubscribe or complaint)')
      .argument('<customerId>', 'the shop\'s customer id'),
  ).action(async (customerId: string, flags: TargetFlags) => {
    console.log(await runErase(customerId, flags));
  });
};
