// `stammkunde import --from <tool>`: each tool's export, translated into import's own columns
// (commands/import.ts), which then checks and sends them as usual. The consent rule stays the one
// of core/consent.ts: a row counts as confirmed only with its proof (time of the confirmation,
// source, and an IP or a proof reference); with less it arrives pending and gets the double opt-in
// mail. Opted-out, unsubscribed or suppressed rows arrive as not consenting (marketing: no), so
// they are never mailed.
//
// - klaviyo: the profile CSV export (Email, Klaviyo ID, External ID, First Name, Last Name, Source,
//   IP Address, Email Marketing Consent SUBSCRIBED|UNSUBSCRIBED|NEVER_SUBSCRIBED, Email Marketing
//   Consent Timestamp, Email Suppressions; Locale and Timezone when exported). SUBSCRIBED with a
//   timestamp and an IP is a proven confirmation: only export from a list with double opt-in.
// - pinpoint: the endpoint export (JSON lines, also gzipped): Id, Address, ChannelType (only EMAIL;
//   other channels are skipped and counted), OptOut (ALL = opted out), EndpointStatus (INACTIVE =
//   not mailed), EffectiveDate, Demographic.Locale/Timezone, User.UserId, User.UserAttributes
//   (FirstName, LastName). Pinpoint keeps no consent record: proof comes from endpoint or user
//   attributes named like import's columns (consentAt, consentSource, consentIp, consentText,
//   consentTextVersion, confirmedAt, proofRef); with confirmedAt the row claims a confirmation.
// - mailchimp: the audience export CSVs (subscribed, unsubscribed, cleaned): Email Address, First
//   Name, Last Name, OPTIN_TIME, OPTIN_IP, CONFIRM_TIME, CONFIRM_IP, TIMEZONE, LEID, EUID,
//   UNSUB_TIME, CLEAN_TIME (times in UTC, "YYYY-MM-DD HH:MM:SS"). A double opt-in shows as an
//   OPTIN_TIME and a CONFIRM_TIME with CONFIRM_IP; a single opt-in has no OPTIN_TIME and stays pending.
//   UNSUB_TIME or CLEAN_TIME: not consenting.
// Ids: the tool's own id becomes the customer id (External ID / User.UserId when set, otherwise
// `klaviyo-<Klaviyo ID>`, `pinpoint-<Id>`, `mailchimp-<EUID or LEID>`). A row without a consent
// time takes the import time as the time of its (pending) request or of its opt-out.

export const IMPORT_SOURCES = ['stammkunde', 'klaviyo', 'pinpoint', 'mailchimp'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];

export const isImportSource = (value: string): value is ImportSource => (IMPORT_SOURCES as readonly string[]).includes(value);

/** Import's columns for one row, a row to skip (with why), or why the row is bad (`field: message`). */
export type PresetResult = { fields: Record<string, unknown> } | { skip: string } | { error: string };

type Preset = (fields: Record<string, unknown>, now: Date) => PresetResult;

/** A value as text: Pinpoint attributes are arrays of strings (the first one counts). */
const text = (raw: unknown): string | undefined => {
  const value = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
  if (value === undefined || value === null || typeof value === 'object') return undefined;
  const trimmed = String(value).trim();
  return trimmed === '' ? undefined : trimmed;
};

/** Case-insensitive reader of a record's keys (export headers differ in case between versions). */
const reader = (record: unknown): ((...names: string[]) => string | undefined) => {
  const byLower = new Map<string, unknown>();
  if (record && typeof record === 'object' && !Array.isArray(record)) {
    for (const [key, value] of Object.entries(record)) byLower.set(key.trim().toLowerCase(), value);
  }
  return (...names) => {
    for (const name of names) {
      const found = text(byLower.get(name.toLowerCase()));
      if (found !== undefined) return found;
    }
    return undefined;
  };
};

/** "2025-05-01 10:00:00" (the tools' UTC times without a zone) -> ISO 8601 in UTC; ISO times pass as they are. */
const utc = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(value);
  if (m) return `${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}Z`;
  return value;
};

/** Drops undefined values, so import sees only what the export had. */
const columns = (values: Record<string, string | undefined>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));

const optedOut = (at: string, source: string): Record<string, string> => ({ marketing: 'no', consentAt: at, consentSource: source });

const klaviyo: Preset = (fields, now) => {
  const get = reader(fields);
  const klaviyoId = get('Klaviyo ID');
  const customerId = get('External ID') ?? (klaviyoId ? `klaviyo-${klaviyoId}` : undefined);
  if (!customerId) return { error: 'Klaviyo ID: missing (and no External ID)' };
  const at = utc(get('Email Marketing Consent Timestamp'));
  const status = get('Email Marketing Consent')?.toUpperCase();
  const base = { customerId, email: get('Email'), firstName: get('First Name'), lastName: get('Last Name'), locale: get('Locale', 'Language'), timeZone: get('Timezone', 'Time Zone') };
  if (status !== undefined && !['SUBSCRIBED', 'UNSUBSCRIBED', 'NEVER_SUBSCRIBED'].includes(status)) {
    return { error: `Email Marketing Consent: "${get('Email Marketing Consent')}" is not SUBSCRIBED, UNSUBSCRIBED or NEVER_SUBSCRIBED` };
  }
  if (get('Email Suppressions', 'Suppressed') !== undefined || status === 'UNSUBSCRIBED') return { fields: columns({ ...base, ...optedOut(at ?? now.toISOString(), 'klaviyo') }) };
  if (status !== 'SUBSCRIBED') return { fields: columns(base) };
  const source = get('Source');
  return {
    fields: columns({
      ...base,
      marketing: 'yes',
      consentAt: at ?? now.toISOString(),
      consentSource: source ? `klaviyo: ${source}` : 'klaviyo',
      consentIp: get('IP Address'),
      ...(at ? { consentStatus: 'confirmed', confirmedAt: at } : {}),
    }),
  };
};

/** Import's own proof columns, as Pinpoint endpoint or user attributes. */
const PROOF_ATTRIBUTES = ['consentAt', 'consentSource', 'consentIp', 'consentText', 'consentTextVersion', 'confirmedAt', 'proofRef'] as const;

const pinpoint: Preset = (fields, now) => {
  const get = reader(fields);
  const channel = get('ChannelType');
  if (channel !== 'EMAIL') return channel === undefined ? { error: 'ChannelType: missing' } : { skip: `ChannelType ${channel}: not an email endpoint` };
  const user = reader(fields.User);
  const userAttribute = reader((fields.User as { UserAttributes?: unknown } | undefined)?.UserAttributes);
  const endpointAttribute = reader(fields.Attributes);
  const demographic = reader(fields.Demographic);
  const endpointId = get('Id');
  const customerId = user('UserId') ?? (endpointId ? `pinpoint-${endpointId}` : undefined);
  if (!customerId) return { error: 'Id: missing (and no User.UserId)' };
  const base = {
    customerId,
    email: get('Address'),
    firstName: userAttribute('FirstName', 'first_name'),
    lastName: userAttribute('LastName', 'last_name'),
    // Pinpoint writes locales as "de_DE".
    locale: demographic('Locale')?.replace(/_/g, '-'),
    timeZone: demographic('Timezone'),
  };
  const effective = utc(get('EffectiveDate', 'CreationDate'));
  if (get('OptOut') === 'ALL' || get('EndpointStatus') === 'INACTIVE') return { fields: columns({ ...base, ...optedOut(effective ?? now.toISOString(), 'pinpoint') }) };
  const proof = Object.fromEntries(PROOF_ATTRIBUTES.map((name) => [name, endpointAttribute(name) ?? userAttribute(name)]));
  return {
    fields: columns({
      ...base,
      marketing: 'yes',
      ...proof,
      consentAt: utc(proof.consentAt) ?? effective ?? now.toISOString(),
      consentSource: proof.consentSource ?? 'pinpoint',
      confirmedAt: utc(proof.confirmedAt),
      ...(proof.confirmedAt ? { consentStatus: 'confirmed' } : {}),
    }),
  };
};

const mailchimp: Preset = (fields, now) => {
  const get = reader(fields);
  const memberId = get('EUID', 'LEID');
  if (!memberId) return { error: 'EUID: missing (and no LEID)' };
  const base = { customerId: `mailchimp-${memberId}`, email: get('Email Address'), firstName: get('First Name'), lastName: get('Last Name'), locale: get('Language', 'Locale'), timeZone: get('TIMEZONE') };
  const unsubscribed = utc(get('UNSUB_TIME'));
  const cleaned = utc(get('CLEAN_TIME'));
  if (unsubscribed || cleaned) return { fields: columns({ ...base, ...optedOut(unsubscribed ?? cleaned!, unsubscribed ? 'mailchimp: unsubscribed' : 'mailchimp: cleaned') }) };
  const optIn = utc(get('OPTIN_TIME'));
  const confirm = utc(get('CONFIRM_TIME'));
  const doubleOptIn = optIn !== undefined && confirm !== undefined;
  return {
    fields: columns({
      ...base,
      marketing: 'yes',
      consentAt: optIn ?? confirm ?? now.toISOString(),
      consentSource: 'mailchimp',
      consentIp: doubleOptIn ? get('CONFIRM_IP') : get('OPTIN_IP', 'CONFIRM_IP'),
      ...(doubleOptIn ? { consentStatus: 'confirmed', confirmedAt: confirm } : {}),
    }),
  };
};

export const PRESETS: Record<ImportSource, Preset> = {
  stammkunde: (fields) => ({ fields }),
  klaviyo,
  pinpoint,
  mailchimp,
};
