// A marketer's controls on what is published: pause, resume and archive a campaign (a hold on its
// catalog entry that tick obeys and publish keeps), and pause / resume one occurrence
// (`<campaignId>:<suffix>`). Pausing or archiving a campaign also pauses its unfinished occurrences
// (a marketer who pauses a campaign expects its mail to stop), and resuming the campaign resumes
// the ones it paused, never one a person paused by its own id. The occurrence calls into the
// delivery path live here only, so when they move there is one place to follow them.
import type { CampaignHold, DeliveryStore } from '#core/delivery-store';
import type { SendQueue } from '#core/delivery/ports';
import { resumeOccurrence } from '#core/delivery/send';

export const MARKETER_PAUSE_REASON = 'paused by marketer (stammkunde pause)';
/** The reasons a campaign's pause or archive writes on its occurrences: resume of the campaign looks for these. */
export const CAMPAIGN_PAUSE_REASON = 'campaign paused by marketer (stammkunde pause <campaignId>)';
export const CAMPAIGN_ARCHIVE_REASON = 'campaign archived by marketer (stammkunde archive)';

/** Occurrence ids carry a colon (`newsletter:2026-12-01T08:00Z`); campaign ids are slugs without one. */
export const isOccurrenceId = (id: string): boolean => id.includes(':');

const holdOf = async (store: DeliveryStore, campaignId: string): Promise<{ hold: CampaignHold | undefined }> => {
  const summary = (await store.listCampaigns()).find((s) => s.campaignId === campaignId);
  if (!summary) throw new Error(`campaign "${campaignId}" is not published (see stammkunde campaigns)`);
  return { hold: summary.hold };
};

const setHold = async (store: DeliveryStore, campaignId: string, hold: CampaignHold | undefined): Promise<void> => {
  if (!(await store.setCampaignHold(campaignId, hold))) throw new Error(`campaign "${campaignId}" is not published (see stammkunde campaigns)`);
};

/**
 * Pauses (cause 'person', so tick never lifts it) each occurrence of the campaign that may still
 * send: `created` or `running` (an occurrence has no finished state; pausing one whose mail is all
 * out holds nothing), and one the SES account paused, whose marker becomes the campaign's so tick
 * does not resume it when the account can send again. Returns how many it holds now.
 */
const pauseOccurrencesOf = async (store: DeliveryStore, campaignId: string, reason: string): Promise<number> => {
  const markers = new Map((await store.listPausedOccurrences()).map((m) => [m.occurrenceId, m]));
  let held = 0;
  for (const occurrence of await store.listOccurrences(campaignId)) {
    const byAccount = occurrence.state === 'paused' && markers.get(occurrence.occurrenceId)?.cause === 'account';
    if (occurrence.state !== 'created' && occurrence.state !== 'running' && !byAccount) continue;
    if ((await store.pauseOccurrence(occurrence.occurrenceId, reason, 'person')) || byAccount) held++;
  }
  return held;
};

const CAMPAIGN_REASONS: readonly string[] = [CAMPAIGN_PAUSE_REASON, CAMPAIGN_ARCHIVE_REASON];

/**
 * The campaign's occurrences its own pause or archive holds, by their pause marker (written first,
 * and replaced when a person pauses the occurrence by its id afterwards: then it stays paused).
 */
const heldByCampaign = async (store: DeliveryStore, campaignId: string): Promise<string[]> => {
  const ours = new Set((await store.listPausedOccurrences()).filter((m) => CAMPAIGN_REASONS.includes(m.reason)).map((m) => m.occurrenceId));
  return (await store.listOccurrences(campaignId)).filter((o) => o.state === 'paused' && ours.has(o.occurrenceId)).map((o) => o.occurrenceId);
};

const heldBy = (n: number): string => (n === 0 ? 'no occurrence was sending' : n === 1 ? '1 unfinished occurrence holds its remaining mails' : `${n} unfinished occurrences hold their remaining mails`);

/** Campaign: no new occurrences, and its unfinished ones hold their mails, until resumed. Occurrence: its remaining sends are held. */
export const pause = async (store: DeliveryStore, id: string): Promise<string> => {
  if (isOccurrenceId(id)) {
    if (!(await store.getOccurrence(id))) throw new Error(`occurrence "${id}" does not exist`);
    // A person's pause: tick's automatic resume (for pauses the SES account caused) leaves it alone.
    const paused = await store.pauseOccurrence(id, MARKETER_PAUSE_REASON, 'person');
    return paused ? `occurrence ${id} paused: its remaining mails are held until resume` : `occurrence ${id} was paused already`;
  }
  const { hold } = await holdOf(store, id);
  if (hold === 'archived') throw new Error(`campaign "${id}" is archived; it starts no occurrences anyway`);
  // Hold first, then the occurrences: a repeated pause after a crash in between finishes the job.
  if (hold !== 'paused') await setHold(store, id, 'paused');
  const paused = await pauseOccurrencesOf(store, id, CAMPAIGN_PAUSE_REASON);
  if (hold === 'paused') return `campaign ${id} was paused already${paused > 0 ? `; ${heldBy(paused)} now` : ''}`;
  return `campaign ${id} paused: no new occurrences, ${heldBy(paused)} until resume`;
};

/**
 * Campaign: resumes the occurrences its pause or archive paused (their held mails go back to the
 * send queue), then clears the hold. Occurrence: runs again, its held mails go back to the send queue.
 */
export const resume = async (deps: { store: DeliveryStore; sendQueue?: SendQueue }, id: string): Promise<string> => {
  if (isOccurrenceId(id)) {
    const occurrence = await deps.store.getOccurrence(id);
    if (!occurrence) throw new Error(`occurrence "${id}" does not exist`);
    if (!deps.sendQueue) throw new Error(`resuming an occurrence needs the send queue: pass --stack, or --send-queue <url>`);
    if (occurrence.state !== 'paused') return `occurrence ${id} is not paused (state ${occurrence.state})`;
    const resumed = await resumeOccurrence({ store: deps.store, sendQueue: deps.sendQueue }, id);
    return `occurrence ${id} resumed: ${resumed} held recipients queued again`;
  }
  const { hold } = await holdOf(deps.store, id);
  const ours = await heldByCampaign(deps.store, id);
  if (hold === undefined && ours.length === 0) return `campaign ${id} is not paused or archived`;
  if (ours.length > 0 && !deps.sendQueue) {
    throw new Error(`campaign ${id} paused ${ours.length} occurrence(s); resuming them needs the send queue: pass --stack, or --send-queue <url>`);
  }
  // Occurrences first, the hold last: a resume that stops half-way is finished by running it again.
  let released = 0;
  for (const occurrenceId of ours) released += await resumeOccurrence({ store: deps.store, sendQueue: deps.sendQueue! }, occurrenceId);
  if (hold !== undefined) await setHold(deps.store, id, undefined);
  const occurrences = ours.length > 0 ? `; ${ours.length} occurrence${ours.length === 1 ? '' : 's'} resumed, ${released} held recipients queued again` : '';
  return `campaign ${id} resumed${hold ? ` (was ${hold})` : ''}: it follows its file's status again${occurrences}`;
};

/** No new occurrences, ever (until resume), and its unfinished ones hold their mails; occurrences and their stats stay in the table. */
export const archive = async (store: DeliveryStore, campaignId: string): Promise<string> => {
  if (isOccurrenceId(campaignId)) throw new Error(`archive takes a campaign id, not the occurrence "${campaignId}"`);
  const { hold } = await holdOf(store, campaignId);
  if (hold !== 'archived') await setHold(store, campaignId, 'archived');
  const paused = await pauseOccurrencesOf(store, campaignId, CAMPAIGN_ARCHIVE_REASON);
  if (hold === 'archived') return `campaign ${campaignId} was archived already${paused > 0 ? `; ${heldBy(paused)} now` : ''}`;
  return `campaign ${campaignId} archived: no new occurrences, ${heldBy(paused)}; its occurrences and stats stay`;
};
