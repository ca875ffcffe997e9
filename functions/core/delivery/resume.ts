// Pausing and resuming occurrences. The account pauses an occurrence when SES refuses to send
// (sending paused, daily quota spent); tick resumes those once GetAccount says the account can
// send again. A person pauses and resumes with `stammkunde pause/resume <occurrence>` (these
// functions); tick never resumes a person's pause.
//
// The race between parking work and resuming is closed by order: resume marks the occurrence
// running, removes its pause marker, then lists held work; a sender parks its work, then reads
// the pause marker. Either the sender sees the marker gone and releases its own parked work, or
// its park happened before the marker went away and so before resume listed held work. Both may
// release the same work: the ledger drops the second send.
import type { Clock } from '#core/clock';
import type { DeliveryStore, PauseCause } from '#core/delivery-store';
import type { SendWork } from './messages';
import type { AccountStatusReader, SendQueue } from './ports';
import { accountCanSend } from './ports';

export interface PauseDeps {
  store: DeliveryStore;
  clock: Clock;
}

export interface ResumeDeps {
  store: DeliveryStore;
  sendQueue: SendQueue;
}

/** Pauses an occurrence; senders park its work until it resumes. False when it was paused already. */
export const pauseOccurrence = (deps: PauseDeps, occurrenceId: string, reason: string, cause: PauseCause = 'person'): Promise<boolean> =>
  deps.store.pauseOccurrence(occurrenceId, reason, cause, deps.clock.now().getTime());

/** Queues held work back onto the send queue (queue first, then remove: a crash re-queues, never loses). */
const releaseHeld = async (deps: ResumeDeps, occurrenceId: string, only?: string): Promise<number> => {
  let released = 0;
  for (const { key, work } of await deps.store.listHeldWork(occurrenceId)) {
    if (only !== undefined && key !== only) continue;
    await deps.sendQueue.sendBatch([{ body: { ...work, hop: 0 } }]);
    await deps.store.removeHeldWork(occurrenceId, key);
    released += work.customerIds.length;
  }
  return released;
};

/**
 * The occurrence runs again and its parked work goes back to the send queue. Returns the number
 * of recipients released. Also completes a resume that crashed half-way (already running).
 */
export const resumeOccurrence = async (deps: ResumeDeps, occurrenceId: string): Promise<number> => {
  if (!(await deps.store.resumeOccurrence(occurrenceId))) {
    // Not paused any more: resumed already (perhaps by us, with the answer lost). Release anyway.
    const occurrence = await deps.store.getOccurrence(occurrenceId);
    if (occurrence?.state === 'paused') throw new Error(`occurrence ${occurrenceId} could not be resumed; try again`);
  }
  return releaseHeld(deps, occurrenceId);
};

/**
 * Parks send work of a paused occurrence under `key`, then re-checks the pause: when the
 * occurrence was resumed meanwhile, the work is released at once instead of being stranded.
 */
export const parkWork = async (deps: ResumeDeps, work: SendWork, key: string): Promise<'held' | 'released'> => {
  await deps.store.holdWork(work, key);
  const paused = (await deps.store.listPausedOccurrences()).some((p) => p.occurrenceId === work.occurrenceId);
  if (paused) return 'held';
  await releaseHeld(deps, work.occurrenceId, key);
  return 'released';
};

export interface ResumeCheck {
  resumed: string[];
  /** Account-paused occurrences still waiting, and why (the account cannot send yet). */
  waiting: number;
}

/**
 * tick's step: resumes the occurrences the account paused once SES can send again
 * (SendingEnabled, enforcement not SHUTDOWN, room in the 24-hour quota), and finishes resumes
 * that crashed half-way. Asks GetAccount only when something waits on it.
 */
export const resumePausedOccurrences = async (deps: ResumeDeps & { account?: AccountStatusReader; breakerReleases?: () => Promise<boolean> }): Promise<ResumeCheck> => {
  const result: ResumeCheck = { resumed: [], waiting: 0 };
  const markers = await deps.store.listPausedOccurrences();
  const waiting: string[] = [];
  const breakerWaiting: string[] = [];
  for (const marker of markers) {
    const occurrence = await deps.store.getOccurrence(marker.occurrenceId);
    if (occurrence && occurrence.state !== 'paused') {
      // A resume that stopped between the state and the marker: finish it.
      await resumeOccurrence(deps, marker.occurrenceId);
      result.resumed.push(marker.occurrenceId);
    } else if (marker.cause === 'account') {
      waiting.push(marker.occurrenceId);
    } else if (marker.cause === 'breaker') {
      breakerWaiting.push(marker.occurrenceId);
    }
  }
  // The breaker's pauses end when it lets marketing through again (lifted, or its test batch).
  if (breakerWaiting.length > 0 && deps.breakerReleases && (await deps.breakerReleases())) {
    for (const occurrenceId of breakerWaiting) {
      await resumeOccurrence(deps, occurrenceId);
      result.resumed.push(occurrenceId);
    }
  } else {
    result.waiting += breakerWaiting.length;
  }
  if (waiting.length === 0 || !deps.account) return { ...result, waiting: result.waiting + waiting.length };
  if (!accountCanSend(await deps.account.accountStatus())) return { ...result, waiting: result.waiting + waiting.length };
  for (const occurrenceId of waiting) {
    await resumeOccurrence(deps, occurrenceId);
    result.resumed.push(occurrenceId);
  }
  return result;
};
