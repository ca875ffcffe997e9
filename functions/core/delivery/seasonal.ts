// Seasonal delivery: when tick prepares an occasion, and when each recipient's mail is due.
//
// One occurrence per campaign and occasion-year (`<campaignId>:<year>`, e.g. "easter:2027"): the
// ledger keys on (occurrence, recipient), so nobody gets a second mail for the same occasion in a
// year, however often ticks or replays run. Each recipient's mail is due at the campaign's
// `sendAt` on the occasion's date in the recipient's own zone (DST rule of instantOfLocalTime),
// stored as a due delivery in that minute's bucket and released by tick like any other.
//
// The work follows the mails due, not the customers:
// - birthday: for each local date X, the tick that crosses 00:00Z of the day before X asks the
//   birthday index for X's month-days (one paged query; 02-29 added by the leap-day rule). No
//   zone can be on X yet then (UTC+14 reaches X at 10:00Z of the day before), and zones stay on
//   X until 12:00Z of the day after (UTC−12), so every X is prepared once, before anyone's mail.
// - once a year (Easter, Advent, Mother's Day, …): the audience is scanned once, two days
//   before the earliest date the occasion has anywhere, and each match becomes a due delivery.
// - anniversaries: scanned once at the turn of the year (whoever has one this year registered
//   or ordered before it began).
import type { Occasion, SeasonalCampaign } from '#core/campaign';
import type { Profile } from '#core/profile';
import { birthdayMonthDaysOn, earliestOccasionDate, occasionDate, resolveCountry, type IsoDate } from '#core/occasions';
import { instantOfLocalDate, recipientZone, type ShopDeliverySettings } from './local-time';

const DAY_MS = 86_400_000;
/** How long before the earliest local date anywhere a yearly audience is scanned. */
export const SCAN_LEAD_DAYS = 2;

/** Something tick prepares for a seasonal campaign at `at`. */
export interface SeasonalDue {
  at: Date;
  occurrenceId: string;
  /** Birthday campaigns: the local date whose birthdays to prepare (one index query). */
  birthdayDate?: IsoDate;
}

export const seasonalOccurrenceId = (campaignId: string, year: number): string => `${campaignId}:${year}`;

/** The occasion-year of a seasonal occurrence id ("easter:2027" -> 2027). */
export const occasionYearOf = (occurrenceId: string): number => Number(occurrenceId.slice(occurrenceId.lastIndexOf(':') + 1));

const isoDay = (ms: number): IsoDate => new Date(ms).toISOString().slice(0, 10);

/**
 * `earliestOccasionDate`, remembered: tick asks it for every seasonal campaign at each of the
 * thousands of minutes a replay ticks, and the answer depends only on its arguments.
 */
const earliestDates = new Map<string, IsoDate | undefined>();
const earliestOf = (occasion: Occasion, year: number, shopCountry: string): IsoDate | undefined => {
  const key = `${JSON.stringify(occasion)}|${year}|${shopCountry}`;
  if (earliestDates.has(key)) return earliestDates.get(key);
  const earliest = earliestOccasionDate(occasion, year, shopCountry);
  if (earliestDates.size >= 10_000) earliestDates.clear();
  earliestDates.set(key, earliest);
  return earliest;
};

/** The instant a yearly occasion's audience is scanned for `year`, or undefined (birthday). */
export const scanInstant = (occasion: Occasion, year: number, shopCountry: string): Date | undefined => {
  const earliest = earliestOf(occasion, year, shopCountry);
  return earliest === undefined ? undefined : new Date(Date.parse(`${earliest}T00:00:00Z`) - SCAN_LEAD_DAYS * DAY_MS);
};

/** What tick prepares for a seasonal campaign in (from, to], oldest first. Pure arithmetic: no store call. */
export const seasonalDueTimes = (campaignId: string, occasion: Occasion, from: Date, to: Date, shopCountry: string): SeasonalDue[] => {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!(fromMs < toMs)) return [];
  const due: SeasonalDue[] = [];
  if (occasion.type === 'birthday') {
    for (let midnight = Math.floor(fromMs / DAY_MS) * DAY_MS + DAY_MS; midnight <= toMs; midnight += DAY_MS) {
      const birthdayDate = isoDay(midnight + DAY_MS);
      due.push({ at: new Date(midnight), occurrenceId: seasonalOccurrenceId(campaignId, Number(birthdayDate.slice(0, 4))), birthdayDate });
    }
    return due;
  }
  for (let year = new Date(fromMs).getUTCFullYear(); year <= new Date(toMs).getUTCFullYear() + 1; year++) {
    const at = scanInstant(occasion, year, shopCountry);
    if (at && at.getTime() > fromMs && at.getTime() <= toMs) due.push({ at, occurrenceId: seasonalOccurrenceId(campaignId, year) });
  }
  return due.sort((a, b) => a.at.getTime() - b.at.getTime());
};

export interface SeasonalDelivery {
  /** The recipient's local date of the occasion. */
  date: IsoDate;
  dueAt: Date;
  /** The shop's default zone stood in for the profile's (ingest's or this check's reason). */
  zoneWarning?: string;
}

/**
 * When one recipient's mail of a seasonal occurrence is due: `sendAt` on the occasion's local
 * date in the recipient's zone (`date` given for birthdays, from the index query), or undefined
 * when the occasion has no date for them that year (no birthday, no anniversary yet, no such
 * holiday in their country).
 */
export const seasonalDelivery = (
  campaign: Pick<SeasonalCampaign, 'occasion' | 'sendAt'>,
  profile: Profile,
  year: number,
  shop: ShopDeliverySettings,
  date?: IsoDate,
): SeasonalDelivery | undefined => {
  const region = profile.attributes.region;
  const local =
    date ??
    occasionDate(campaign.occasion, year, {
      country: resolveCountry(profile, shop.country),
      ...(typeof region === 'string' ? { region } : {}),
      ...(profile.birthday ? { birthday: profile.birthday } : {}),
      ...(profile.registeredAt ? { registeredAt: profile.registeredAt } : {}),
      ...(profile.orders.firstOrderAt ? { firstOrderAt: profile.orders.firstOrderAt } : {}),
      leapDay: shop.leapDayBirthday,
    });
  if (local === undefined) return undefined;
  const { zone, warning } = recipientZone(profile, shop.timeZone);
  return { date: local, dueAt: instantOfLocalDate(local, campaign.sendAt, zone), ...(warning ? { zoneWarning: warning } : {}) };
};

export { birthdayMonthDaysOn };
