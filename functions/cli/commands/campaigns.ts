// `stammkunde campaigns (--table | --stack) [--region]`: what is published, with status (a
// pause/archive hold wins over the file's status), version and the next due time.
import type { Command } from 'commander';
import { listPublished } from '#core/publish';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';
import { breakerMode } from '#core/delivery/breaker';
import { createDynamoBreakerStore } from '#adapters/dynamo-feedback-store';
import { describeBreaker } from '#cli/commands/status';

export const runCampaigns = async (flags: TargetFlags, clients: AwsClients = {}, now: Date = new Date()): Promise<string[]> => {
  const target = await resolveTarget(flags, clients);
  try {
    const rows = await listPublished(target.store, now);
    // A tripped breaker holds every marketing campaign: say so above the list.
    const breaker = await createDynamoBreakerStore({ client: target.client, tableName: target.tableName }).getBreaker();
    const notice = breakerMode(breaker, now) === 'closed' ? [] : [describeBreaker(breaker, now)];
    if (rows.length === 0) return [...notice, `table ${target.tableName}: nothing published yet (stammkunde publish <dir>)`];
    const head = ['campaign', 'kind', 'status', 'version', 'published', 'next due (UTC)'];
    const cells = rows.map((r) => [r.campaignId, r.kind, r.status, String(r.version ?? '-'), r.publishedAt.slice(0, 16).replace('T', ' '), r.nextDueAt?.slice(0, 16).replace('T', ' ') ?? '-']);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
    return [...notice, ...[head, ...cells].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd())];
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  addTargetOptions(program.command('campaigns').description('list published campaigns with status, version and next due time')).action(async (flags: TargetFlags) => {
    for (const line of await runCampaigns(flags)) console.log(line);
  });
};
