// Reads, validates and compiles a campaigns folder into a PublishSet (core/publish.ts): the one
// preparation `stammkunde publish`, `stammkunde local` and replay share. Invalid files give
// validate's `file: path: message` lines and no set; MJML runs here, once per campaign and locale.
import { loadWorkspace } from '#local/load-files';
import { buildPublishSet, contentHash, type PublishSet } from '#core/publish';
import type { PublishedCampaign } from '#core/delivery-store';
import type { Workspace } from '#core/workspace';
import { formatProblem } from '#cli/commands/validate';
import { compileCampaignTemplates } from './compile-template';
import { prepareSystemCampaigns } from './system-campaigns';

export type PreparedPublish = { ok: false; problems: string[] } | { ok: true; set: PublishSet; workspace: Workspace };

export const preparePublish = async (paths: readonly string[], options: { templatesDir: string; publishedAt: Date }): Promise<PreparedPublish> => {
  const { workspace, problems } = await loadWorkspace(paths, { templatesDir: options.templatesDir });
  if (problems.length > 0) return { ok: false, problems: problems.map(formatProblem) };
  if (workspace.campaigns.size + workspace.segments.size + workspace.rewardCatalogs.size === 0) {
    return { ok: false, problems: [`${paths.join(' ')}: (root): no campaign, segment or reward catalog files found`] };
  }
  const templates = new Map<string, unknown>();
  const compileProblems: string[] = [];
  for (const [id, { file, value }] of [...workspace.campaigns].sort(([a], [b]) => (a < b ? -1 : 1))) {
    try {
      templates.set(id, await compileCampaignTemplates(value, { templatesDir: options.templatesDir }));
    } catch (error) {
      // One line per issue, in validate's shape.
      for (const line of (error as Error).message.split('\n')) compileProblems.push(`${file}: ${line.includes(': ') ? line : `template: ${line}`}`);
    }
  }
  if (compileProblems.length > 0) return { ok: false, problems: compileProblems };
  return { ok: true, set: buildPublishSet(workspace, templates, options.publishedAt), workspace };
};

/**
 * The built-in campaigns (the double opt-in confirmation mail), compiled and hashed as publish
 * writes them. `stammkunde publish` writes them beside every folder (a deployed stack must be able
 * to send what ingest asks for); their ids start with "system_", which campaign ids cannot.
 */
export const systemCampaigns = async (options: { templatesDir?: string; publishedAt: Date }): Promise<PublishedCampaign[]> =>
  (await prepareSystemCampaigns({ ...(options.templatesDir ? { templatesDir: options.templatesDir } : {}), publishedAt: options.publishedAt })).map((system) => ({
    ...system,
    contentHash: contentHash({ campaign: system.campaign, segments: system.segments, template: system.template }),
  }));
