// Frequency cap: at most N marketing mails per customer per rolling window (7 days by default).
// Each customer has N slots; a send takes the oldest slot whose mail left the window with a
// conditional write, so two occurrences racing for the last slot cannot both win.
export const DEFAULT_CAP_WINDOW_MS = 7 * 24 * 3600 * 1000;
export const MAX_CAP = 20;

/** A slot holds "<epochMs>|<occurrenceId>" of the mail that took it, or nothing. */
export type CapSlots = readonly (string | undefined)[];

export type SlotChoice =
  | { kind: 'already'; index: number }
  | { kind: 'take'; index: number; expected: string | undefined; value: string }
  | { kind: 'full'; nextFreeAtMs: number };

const slotTime = (slot: string | undefined): number => (slot ? Number(slot.slice(0, slot.indexOf('|'))) : 0);
const slotOccurrence = (slot: string | undefined): string | undefined => (slot ? slot.slice(slot.indexOf('|') + 1) : undefined);

export const capSlotValue = (atMs: number, occurrenceId: string): string => `${atMs}|${occurrenceId}`;

/**
 * Which slot this occurrence's mail uses. A slot this occurrence already holds is reused (a retry
 * after throttling must not spend a second slot).
 */
export const chooseCapSlot = (slots: CapSlots, cap: number, nowMs: number, windowMs: number, occurrenceId: string): SlotChoice => {
  if (cap < 1 || cap > MAX_CAP) throw new Error(`frequency cap ${cap} must be between 1 and ${MAX_CAP}`);
  let oldest = -1;
  let oldestAt = Infinity;
  for (let i = 0; i < cap; i++) {
    const slot = slots[i];
    if (slotOccurrence(slot) === occurrenceId && slotTime(slot) > nowMs - windowMs) return { kind: 'already', index: i };
    const at = slotTime(slot);
    if (at < oldestAt) {
      oldestAt = at;
      oldest = i;
    }
  }
  if (oldestAt <= nowMs - windowMs) {
    return { kind: 'take', index: oldest, expected: slots[oldest], value: capSlotValue(nowMs, occurrenceId) };
  }
  return { kind: 'full', nextFreeAtMs: oldestAt + windowMs };
};
