// `stammkunde publish <dir> (--table <name> | --stack <name>) [--region] [--dry-run]
//  [--keep-versions n] [--rollback <campaignId> [--to-version n]]`: validates the folder (validate's
// lines and exit 1 when invalid: nothing is written), compiles the templates (MJML runs here, never
// in a Lambda), prints the diff against the table and writes what changed (core/publish.ts).
import type { Command } from 'commander';
import { preparePublish, systemCampaigns } from '../../compile/publish-set';
import { applyPublish, DEFAULT_KEEP_VERSIONS, planPublish, rollbackCampaign, type PlannedChange, type PublishPlan } from '#core/publish';
import { addTargetOptions, resolveTarget, type AwsClients, type TargetFlags } from '#cli/aws-target';
import { positiveInt } from '#cli/flags';

export interface PublishFlags extends TargetFlags {
  dryRun?: boolean;
  keepVersions?: number;
  rollback?: string;
  toVersion?: number;
  templates?: string;
}

export interface PublishOutcome {
  exitCode: 0 | 1;
  lines: string[];
  /** Items written (0 on a dry run, invalid input or nothing changed). */
  written: number;
}

const marks: Record<PlannedChange['change'], string> = { new: '+', changed: '~', unchanged: '=' };
const names: Record<PlannedChange['type'], string> = { campaign: 'campaign', segment: 'segment', rewardCatalog: 'reward catalog' };

export const formatPlan = (plan: PublishPlan): string[] => {
  const width = Math.max(0, ...plan.changes.map((c) => `${names[c.type]} ${c.id}`.length), ...plan.notInFolder.map((c) => `${names[c.type]} ${c.id}`.length));
  const lines = plan.changes.map((c) => {
    const what = `${names[c.type]} ${c.id}`.padEnd(width);
    if (c.type !== 'campaign') return `  ${marks[c.change]} ${what}  ${c.change}`;
    if (c.change === 'unchanged') return `  = ${what}  unchanged (version ${c.fromVersion})`;
    return `  ${marks[c.change]} ${what}  ${c.change}: version ${c.fromVersion ? `${c.fromVersion} -> ` : ''}${c.toVersion}`;
  });
  for (const gone of plan.notInFolder) {
    lines.push(`  ! ${`${names[gone.type]} ${gone.id}`.padEnd(width)}  in the table, not in the folder${gone.status ? ` (${gone.status}; left as it is, \`stammkunde archive ${gone.id}\` stops it)` : ' (left as it is)'}`);
  }
  return lines;
};

export const runPublish = async (dir: string | undefined, flags: PublishFlags, clients: AwsClients = {}, now: Date = new Date()): Promise<PublishOutcome> => {
  const keepVersions = flags.keepVersions ?? DEFAULT_KEEP_VERSIONS;
  if (flags.rollback !== undefined) {
    const target = await resolveTarget(flags, clients);
    try {
      if (flags.dryRun) {
        const versions = await target.store.listCampaignVersions(flags.rollback);
        return { exitCode: 0, written: 0, lines: [`dry run: ${flags.rollback} has versions ${versions.map((v) => v.version).join(', ') || 'none'}; nothing written`] };
      }
      const r = await rollbackCampaign(target.store, flags.rollback, now, { keepVersions, ...(flags.toVersion !== undefined ? { toVersion: flags.toVersion } : {}) });
      return {
        exitCode: 0,
        written: 1,
        lines: [`rolled back ${r.campaignId}: version ${r.version} has the content of version ${r.restoredVersion} (was ${r.fromVersion}); running occurrences keep theirs`],
      };
    } finally {
      target.close();
    }
  }
  if (dir === undefined) throw new Error('publish needs a folder (or --rollback <campaignId>)');
  // Validate and compile before touching AWS: invalid input never reaches the table.
  const prepared = await preparePublish([dir], { templatesDir: flags.templates ?? 'templates', publishedAt: now });
  if (!prepared.ok) return { exitCode: 1, written: 0, lines: [...prepared.problems, 'nothing published'] };
  const target = await resolveTarget(flags, clients);
  try {
    const plan = await planPublish(target.store, prepared.set);
    const lines = [`table ${target.tableName}:`, ...formatPlan(plan)];
    const pending = plan.changes.filter((c) => c.change !== 'unchanged').length;
    if (flags.dryRun) return { exitCode: 0, written: 0, lines: [...lines, `dry run: ${pending} to write; nothing written`] };
    const written = await applyPublish(target.store, plan, { keepVersions });
    lines.push(written === 0 ? 'nothing changed; nothing written' : `published: ${written} written, ${plan.changes.length - pending} unchanged (keeping the last ${keepVersions} versions per campaign)`);
    // The built-in double opt-in confirmation campaign goes with every publish, so the deployed
    // stack can send the confirmation mails ingest asks for.
    const system = await planPublish(target.store, { campaigns: await systemCampaigns({ templatesDir: flags.templates ?? 'templates', publishedAt: now }), segments: [], rewardCatalogs: [] });
    const systemWritten = await applyPublish(target.store, system, { keepVersions });
    if (systemWritten > 0) lines.push(`built-in: ${system.changes.filter((c) => c.change !== 'unchanged').map((c) => c.id).join(', ')} written`);
    return { exitCode: 0, written, lines };
  } finally {
    target.close();
  }
};

export const register = (program: Command): void => {
  addTargetOptions(
    program
      .command('publish')
      .description('validate, compile and write campaigns, segments and reward catalogs to the table, showing the diff first')
      .argument('[dir]', 'campaigns folder'),
  )
    .option('--dry-run', 'show the diff, write nothing')
    .option('--keep-versions <n>', `versions kept per campaign for audit and rollback (default ${DEFAULT_KEEP_VERSIONS})`, positiveInt('--keep-versions'))
    .option('--rollback <campaignId>', 'publish the previous stored version of a campaign again (as a new version)')
    .option('--to-version <n>', 'with --rollback: the stored version to restore', positiveInt('--to-version'))
    .option('--templates <dir>', 'templates folder (layouts, partials, locales)', 'templates')
    .action(async (dir: string | undefined, flags: PublishFlags) => {
      const outcome = await runPublish(dir, flags);
      for (const line of outcome.lines) console.log(line);
      process.exitCode = outcome.exitCode;
    });
};
