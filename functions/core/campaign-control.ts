// A marketer's controls on what is published: pause, resume and archive a campaign (a hold on its
// catalog entry that tick obeys and publish keeps), and pause / resume one occurrence
// (`<campaignId>:<suffix>`). The occurrence calls into the delivery path live here only, so when
// they move there is one place to follow them.
import type { CampaignHold, DeliveryStore } from '#core/delivery-store';
import type { SendQueue } from '#core/delivery/ports';
import { resumeOccurrence } from '#core/delivery/send';

export const MARKETER_PAUSE_REASON = 'paused by marketer (stammkunde pause)';

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

/** Campaign: no new occurrences until resumed. Occurrence: its remaining sends are held. */
export const pause = async (store: DeliveryStore, id: string): Promise<string> => {
  if (isOccurrenceId(id)) {
    if (!(await store.getOccurrence(id))) throw new Error(`occurrence "${id}" does not exist`);
    // A person's pause: tick's automatic resume (for pauses the SES account caused) leaves it alone.
    const paused = await store.pauseOccurrence(id, MARKETER_PAUSE_REASON, 'person');
    return paused ? `occurrence ${id} paused: its remaining mails are held until resume` : `occurrence ${id} was paused already`;
  }
  const { hold } = await holdOf(store, id);
  if (hold === 'archived') throw new Error(`campaign "${id}" is archived; it starts no occurrences anyway`);
  if (hold === 'paused') return `campaign ${id} was paused already`;
  await setHold(store, id, 'paused');
  return `campaign ${id} paused: no new occurrences until resume (running ones go on; pause them by occurrence id)`;
};

/** Campaign: clears a pause or an archive. Occurrence: runs again, its held mails go back to the send queue. */
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
  if (hold === undefined) return `campaign ${id} is not paused or archived`;
  await setHold(deps.store, id, undefined);
  return `campaign ${id} resumed (was ${hold}): it follows its file's status again`;
};

/** No new occurrences, ever (until resume); occurrences and their stats stay in the table. */
export const archive = async (store: DeliveryStore, campaignId: string): Promise<string> => {
  if (isOccurrenceId(campaignId)) throw new Error(`archive takes a campaign id, not the occurrence "${campaignId}"`);
  const { hold } = await holdOf(store, campaignId);
  if (hold === 'archived') return `campaign ${campaignId} was archived already`;
  await setHold(store, campaignId, 'archived');
  return `campaign ${campaignId} archived: no new occurrences; its occurrences and stats stay`;
};
