// `stammkunde upgrade (--table | --stack)`: brings the items of a deployed table up to what the
// deployed code reads. Run it once after deploying a new version (README, "Upgrading"); running it
// again changes nothing. Today's step: due deliveries written before tick found them through the
// gsi1 key `DUEHOUR#<YYYY-MM-DDTHH>` get that key, or tick would never release them.
import type { Command } from 'commander';
import { createDynamoDeliveryStore } from '#adapters/dynamo-delivery-store';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';

export const runUpgrade = async (flags: TargetFlags, clients: AwsClients = {}, now: Date = new Date()): Promise<{ exitCode: number; lines: string[] }> => {
  const target = await resolveTarget(flags, clients);
  try {
    const store = createDynamoDeliveryStore({ client: target.client, tableName: target.tableName });
    const due = await store.backfillDueIndex(now);
    const lines = [
      `table ${target.tableName}:`,
      due.found === 0
        ? 'due deliveries: all carry the due-hour index key, nothing to do'
        : `due deliveries: ${due.found} without the due-hour index key; ${due.updated} given it (${due.late} already due: sent by the next tick), ${due.skipped} released or keyed meanwhile`,
    ];
    if (due.unreadable.length > 0) lines.push(`due deliveries left as they are, their dueAt is no date: ${due.unreadable.join(', ')}`);
    return { exitCode: due.unreadable.length > 0 ? 1 : 0, lines };
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  addTargetOptions(
    program.command('upgrade').description('after deploying a new version: brings stored items up to it (due deliveries get the due-hour index key tick reads); safe to run again'),
  ).action(async (flags: TargetFlags) => {
    const outcome = await runUpgrade(flags);
    for (const line of outcome.lines) console.log(line);
    process.exitCode = outcome.exitCode;
  });
};
