// Publish (pure over a DeliveryStore): what a validated, compiled workspace becomes in the table.
// One path for `stammkunde publish` (AWS), `stammkunde local` and replay, so nothing runs locally
// that publish would refuse.
//
//   buildPublishSet  workspace + compiled templates -> campaigns (with the segments they use) and
//                    segment / reward catalog definitions, each with a content hash
//   planPublish      diff against the table: new, changed, unchanged, in the table but not in the folder
//   applyPublish     writes what changed: definitions, then one new campaign version each
//   rollbackCampaign republishes an older stored version as the next version
//
// Versions: a changed campaign gets version n+1; the occurrence tick creates records the version it
// was created with, and audience and send read that one (delivery-store.ts readOccurrenceCampaign),
// so a publish mid-occurrence changes only the next occurrence. The store keeps the last
// `keepVersions` versions (audit, rollback) and any older one an unfinished occurrence still sends.
import { createHash } from 'node:crypto';
import { CronExpressionParser } from 'cron-parser';
import type { Campaign, Schedule } from '#core/campaign';
import type { CampaignHold, CampaignSummary, DeliveryStore, PublishedCampaign, PublishedDefinition } from '#core/delivery-store';
import { SCHEDULED_KINDS } from '#core/delivery/schedule-keys';
import { segmentReferences, type SegmentRule } from '#core/segment';
import { campaignRules, type Workspace } from '#core/workspace';

/** Versions kept per campaign unless configured otherwise. */
export const DEFAULT_KEEP_VERSIONS = 10;

export type DefinitionType = 'campaign' | 'segment' | 'rewardCatalog';
export type ChangeKind = 'new' | 'changed' | 'unchanged';

export interface PublishSet {
  campaigns: PublishedCampaign[];
  segments: PublishedDefinition[];
  rewardCatalogs: PublishedDefinition[];
}

export interface PlannedChange {
  type: DefinitionType;
  id: string;
  change: ChangeKind;
  /** Campaigns: the version in the table now (0: none) and the one this publish writes. */
  fromVersion?: number;
  toVersion?: number;
}

export interface PublishPlan {
  changes: PlannedChange[];
  /** Published earlier, absent from the folder: publish leaves them as they are. */
  notInFolder: { type: DefinitionType; id: string; status?: string }[];
  set: PublishSet;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** sha256 of the JSON: the same files compile to the same bytes (tested), so the same hash. */
/** Built-in campaigns (core/consent.ts) are published by the engine, never part of a marketer's folder. */
export const SYSTEM_CAMPAIGN_PREFIX = 'system_';

export const contentHash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The segments a campaign's rules use, following segment -> segment references. */
const usedSegments = (workspace: Workspace, campaign: Campaign): Record<string, SegmentRule> => {
  const used: Record<string, SegmentRule> = {};
  const pending = campaign.audience.segment !== undefined ? [campaign.audience.segment] : [];
  for (const { rule } of campaignRules(campaign)) pending.push(...segmentReferences(rule).map((r) => r.segment));
  while (pending.length > 0) {
    const id = pending.pop()!;
    const segment = workspace.segments.get(id)?.value;
    if (!segment || used[id]) continue;
    used[id] = segment.rule;
    pending.push(...segmentReferences(segment.rule).map((r) => r.segment));
  }
  return Object.fromEntries(Object.entries(used).sort(([a], [b]) => cmp(a, b)));
};

/**
 * The publishable form of a valid workspace. `templates` holds each campaign's compiled
 * templates (functions/compile, run by the caller). A referral campaign's hash covers its reward
 * catalog, so changing the catalog makes a new campaign version.
 */
export const buildPublishSet = (workspace: Workspace, templates: ReadonlyMap<string, unknown>, publishedAt: Date): PublishSet => {
  const at = publishedAt.toISOString();
  const definition = (type: PublishedDefinition['type'], id: string, value: unknown): PublishedDefinition => ({ type, id, value, contentHash: contentHash(value), publishedAt: at });
  const segments = [...workspace.segments.values()].map(({ value }) => definition('segment', value.id, value)).sort((a, b) => cmp(a.id, b.id));
  const rewardCatalogs = [...workspace.rewardCatalogs.values()].map(({ value }) => definition('rewardCatalog', value.id, value)).sort((a, b) => cmp(a.id, b.id));
  const campaigns = [...workspace.campaigns.values()]
    .map(({ value: campaign }): PublishedCampaign => {
      const used = usedSegments(workspace, campaign);
      const template = templates.get(campaign.id);
      const rewards = campaign.kind === 'referral' ? workspace.rewardCatalogs.get(campaign.rewards)?.value : undefined;
      return { campaign, segments: used, template, publishedAt: at, contentHash: contentHash({ campaign, segments: used, template, rewards }) };
    })
    .sort((a, b) => cmp(a.campaign.id, b.campaign.id));
  return { campaigns, segments, rewardCatalogs };
};

/** Compares the set with what the table holds. Reads the catalog and definitions only (no content). */
export const planPublish = async (store: DeliveryStore, set: PublishSet): Promise<PublishPlan> => {
  const published = new Map((await store.listCampaigns()).map((s) => [s.campaignId, s]));
  const changes: PlannedChange[] = [];
  const notInFolder: PublishPlan['notInFolder'] = [];
  for (const { campaign, contentHash: hash } of set.campaigns) {
    const current = published.get(campaign.id);
    const fromVersion = current ? (current.version ?? 0) : 0;
    if (!current) changes.push({ type: 'campaign', id: campaign.id, change: 'new', fromVersion, toVersion: fromVersion + 1 });
    else if (current.contentHash !== hash) changes.push({ type: 'campaign', id: campaign.id, change: 'changed', fromVersion, toVersion: fromVersion + 1 });
    else changes.push({ type: 'campaign', id: campaign.id, change: 'unchanged', fromVersion });
  }
  const inFolder = new Set(set.campaigns.map((p) => p.campaign.id));
  for (const summary of [...published.values()].sort((a, b) => cmp(a.campaignId, b.campaignId))) {
    if (!inFolder.has(summary.campaignId) && !summary.campaignId.startsWith(SYSTEM_CAMPAIGN_PREFIX)) notInFolder.push({ type: 'campaign', id: summary.campaignId, status: summary.status });
  }
  for (const [type, definitions] of [['segment', set.segments], ['rewardCatalog', set.rewardCatalogs]] as const) {
    const stored = new Map((await store.listDefinitions(type)).map((d) => [d.id, d]));
    for (const d of definitions) {
      const existing = stored.get(d.id);
      changes.push({ type, id: d.id, change: !existing ? 'new' : existing.contentHash !== d.contentHash ? 'changed' : 'unchanged' });
    }
    const ids = new Set(definitions.map((d) => d.id));
    for (const id of [...stored.keys()].sort(cmp)) if (!ids.has(id)) notInFolder.push({ type, id });
  }
  return { changes, notInFolder, set };
};

export class PublishConflictError extends Error {
  constructor(campaignId: string, version: number) {
    super(`campaign "${campaignId}": version ${version} was published by someone else meanwhile; run publish again to see the new diff`);
    this.name = 'PublishConflictError';
  }
}

/**
 * Writes what the plan marks new or changed: segments and reward catalogs first, then each
 * campaign's new version (the campaign embeds the segments it uses, so it never points at a
 * definition not yet written). Returns how many items were written.
 */
export const applyPublish = async (store: DeliveryStore, plan: PublishPlan, options: { keepVersions?: number } = {}): Promise<number> => {
  const keep = options.keepVersions ?? DEFAULT_KEEP_VERSIONS;
  const write = new Map(plan.changes.filter((c) => c.change !== 'unchanged').map((c) => [`${c.type}#${c.id}`, c]));
  let written = 0;
  for (const d of [...plan.set.segments, ...plan.set.rewardCatalogs]) {
    if (!write.has(`${d.type}#${d.id}`)) continue;
    await store.putDefinition(d);
    written++;
  }
  for (const published of plan.set.campaigns) {
    const change = write.get(`campaign#${published.campaign.id}`);
    if (!change) continue;
    const version = change.toVersion!;
    if (!(await store.putCampaignVersion({ ...published, version }, keep))) {
      // VERSION#n is taken although the catalog says n-1: an earlier publish stopped between the
      // version and the catalog write (or another publish is running). Versions only move forward,
      // so take the next free one instead of failing on the same number for good.
      const next = Math.max(version, ...(await store.listCampaignVersions(published.campaign.id)).map((v) => v.version)) + 1;
      if (!(await store.putCampaignVersion({ ...published, version: next }, keep))) throw new PublishConflictError(published.campaign.id, next);
    }
    written++;
  }
  return written;
};

/** Validated + compiled set straight into a store (what local and replay do; publish shows the plan first). */
export const publishSet = async (store: DeliveryStore, set: PublishSet, options: { keepVersions?: number } = {}): Promise<PublishPlan> => {
  const plan = await planPublish(store, set);
  await applyPublish(store, plan, options);
  return plan;
};

export interface RollbackResult {
  campaignId: string;
  /** The version that was current. */
  fromVersion: number;
  /** The stored version whose content is published again. */
  restoredVersion: number;
  /** The new version number it gets (versions only move forward: the audit trail stays whole). */
  version: number;
}

/**
 * Publishes an older stored version again as the next version: the previous one unless `toVersion`
 * names another. Running occurrences keep theirs; the next occurrence sends the restored content.
 */
export const rollbackCampaign = async (
  store: DeliveryStore,
  campaignId: string,
  now: Date,
  options: { toVersion?: number; keepVersions?: number } = {},
): Promise<RollbackResult> => {
  const summary = (await store.listCampaigns()).find((s) => s.campaignId === campaignId);
  if (!summary) throw new Error(`campaign "${campaignId}" is not published`);
  const current = summary.version ?? 0;
  const stored = (await store.listCampaignVersions(campaignId)).map((v) => v.version);
  const target = options.toVersion ?? stored.filter((v) => v < current).at(-1);
  if (target === undefined) throw new Error(`campaign "${campaignId}" has no stored version before ${current} to roll back to (stored: ${stored.join(', ') || 'none'})`);
  if (target === current) throw new Error(`campaign "${campaignId}" is at version ${current} already`);
  const restored = await store.getCampaignVersion(campaignId, target);
  if (!restored) throw new Error(`campaign "${campaignId}" version ${target} is not stored (stored: ${stored.join(', ') || 'none'})`);
  const version = current + 1;
  const ok = await store.putCampaignVersion({ ...restored, version, publishedAt: now.toISOString() }, options.keepVersions ?? DEFAULT_KEEP_VERSIONS);
  if (!ok) throw new PublishConflictError(campaignId, version);
  return { campaignId, fromVersion: current, restoredVersion: target, version };
};

/** Next time a schedule is due after `now`, or undefined (a `once` in the past). */
export const nextDueAt = (schedule: Schedule, now: Date): Date | undefined => {
  if (schedule.type === 'once') {
    const at = new Date(schedule.at);
    return at.getTime() > now.getTime() ? at : undefined;
  }
  return CronExpressionParser.parse(schedule.cron, { currentDate: now, tz: schedule.timeZone }).next().toDate();
};

export interface PublishedRow {
  campaignId: string;
  kind: Campaign['kind'];
  status: CampaignSummary['status'];
  version?: number;
  publishedAt: string;
  /** Only for active campaigns whose occurrences tick makes from their schedule (delivered kinds). */
  nextDueAt?: string;
}

/** What `stammkunde campaigns` lists. */
export const listPublished = async (store: DeliveryStore, now: Date): Promise<PublishedRow[]> =>
  (await store.listCampaigns())
    .sort((a, b) => cmp(a.campaignId, b.campaignId))
    .map((s) => {
      const next = s.status === 'active' && s.schedule && SCHEDULED_KINDS.has(s.kind) ? nextDueAt(s.schedule, now) : undefined;
      return {
        campaignId: s.campaignId,
        kind: s.kind,
        status: s.status,
        ...(s.version !== undefined ? { version: s.version } : {}),
        publishedAt: s.publishedAt,
        ...(next ? { nextDueAt: next.toISOString() } : {}),
      };
    });

export type { CampaignHold };
