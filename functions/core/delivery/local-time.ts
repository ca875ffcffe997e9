// Local time of a recipient: which zone a mail follows (the profile's, or the shop's default when
// the profile's is missing or invalid, with a warning), the shop's calendar settings, and the
// instant a local date and time (e.g. Easter Sunday 09:00) runs at in a zone (DST rule of
// occurrence.ts instantOfLocalTime).
import { IANAZone } from 'luxon';
import type { Profile } from '#core/profile';
import { DEFAULT_QUIET_HOURS, quietUntil, type QuietHours } from '#core/quiet-hours';
import type { IsoDate, LeapDayRule } from '#core/occasions';
import { instantOfLocalTime } from './occurrence';

/** Shop-wide delivery settings (shop.json "delivery"); every field has a default. */
export interface ShopDeliverySettings {
  /** The zone for recipients without a valid one. */
  timeZone: string;
  /** ISO 3166-1 alpha-2 for recipients without a country or a locale region. */
  country: string;
  quietHours: QuietHours;
  /** 29 February birthdays in other years: 28 February (default) or 1 March. */
  leapDayBirthday: LeapDayRule;
}

export const DEFAULT_SHOP_DELIVERY: ShopDeliverySettings = {
  timeZone: 'Europe/Berlin',
  country: 'DE',
  quietHours: DEFAULT_QUIET_HOURS,
  leapDayBirthday: 'feb28',
};

/** The shop's settings over the defaults. */
export const shopDeliveryOf = (shop: { delivery?: Partial<ShopDeliverySettings> | undefined } | undefined): ShopDeliverySettings => ({
  ...DEFAULT_SHOP_DELIVERY,
  ...Object.fromEntries(Object.entries(shop?.delivery ?? {}).filter(([, v]) => v !== undefined)),
});

export interface RecipientZone {
  zone: IANAZone;
  /** Set when the shop's default zone stands in for the profile's. */
  warning?: string;
}

const zones = new Map<string, IANAZone>();
const zoneNamed = (name: string): IANAZone => {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
};

/**
 * The recipient's zone: the profile's when it is a valid IANA zone and ingest recorded no
 * warning about it (a placeholder "UTC" from a registration without a zone has one); otherwise
 * the shop's default, with the reason. Never undefined: nobody is dropped for a bad zone.
 */
export const recipientZone = (profile: Pick<Profile, 'timeZone' | 'timeZoneWarning'>, shopTimeZone: string): RecipientZone => {
  const own = zoneNamed(profile.timeZone);
  if (own.isValid && !profile.timeZoneWarning) return { zone: own };
  const fallback = zoneNamed(shopTimeZone);
  if (!fallback.isValid) throw new Error(`shop delivery.timeZone "${shopTimeZone}" is not an IANA time zone`);
  return { zone: fallback, warning: profile.timeZoneWarning ?? `timeZone "${profile.timeZone}" is not an IANA time zone: the shop's default ${shopTimeZone} is used` };
};

/** The instant local `date` at `hhmm` runs at in `zone`. */
export const instantOfLocalDate = (date: IsoDate, hhmm: string, zone: IANAZone): Date => {
  const wall = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), Number(hhmm.slice(0, 2)), Number(hhmm.slice(3, 5)));
  return new Date(instantOfLocalTime(wall, zone));
};

/**
 * When marketing mail of `campaign` at `at` falls inside the recipient's quiet window (the
 * campaign's, else the shop's, in the recipient's zone): the instant the window ends there.
 * Undefined outside it, for transactional mail (the customer waits for it), and without a window
 * (no shop settings given: only a campaign's own window applies).
 */
export const quietEndFor = (
  campaign: { capClass: 'marketing' | 'transactional'; quietHours?: QuietHours | false | undefined },
  profile: Pick<Profile, 'timeZone' | 'timeZoneWarning'>,
  at: Date,
  shop: ShopDeliverySettings | undefined,
): Date | undefined => {
  if (campaign.capClass === 'transactional') return undefined;
  const window = campaign.quietHours ?? shop?.quietHours;
  if (!window) return undefined;
  return quietUntil(at, recipientZone(profile, (shop ?? DEFAULT_SHOP_DELIVERY).timeZone).zone, window);
};
