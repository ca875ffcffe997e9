// The customer endpoint's pages: plain HTML with one small inline style, no scripts, no
// third-party assets, in German (Sie or du, as the profile says) or English. Each page is a few
// KB and renders without any other request. Texts are escaped; nothing here reads state.
import type { ShopInfo } from '#core/render';

export type PageLanguage = 'de-formal' | 'de-informal' | 'en';

/** The page language of a profile: German for any `de*` locale (formality from the profile), else English. */
export const pageLanguage = (locale: string | undefined, formality: 'formal' | 'informal' | undefined): PageLanguage => {
  if (!locale || !/^de(?:-|$)/i.test(locale)) return 'en';
  return formality === 'informal' ? 'de-informal' : 'de-formal';
};

/** For pages without a profile (bad link, erased customer): the browser's first preference. */
export const languageFromHeader = (acceptLanguage: string | undefined): PageLanguage =>
  /^\s*de\b/i.test(acceptLanguage ?? '') ? 'de-formal' : 'en';

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

type Text = Record<PageLanguage, string>;
const de = (formal: string, informal: string, en: string): Text => ({ 'de-formal': formal, 'de-informal': informal, en });
const same = (german: string, en: string): Text => de(german, german, en);

const t = {
  unsubscribeTitle: same('Abmelden', 'Unsubscribe'),
  unsubscribeTopic: de(
    'Möchten Sie keine E-Mails zum Thema „{topic}“ mehr an {email} erhalten?',
    'Möchtest du keine E-Mails zum Thema „{topic}“ mehr an {email} bekommen?',
    'Do you want to stop receiving “{topic}” emails at {email}?',
  ),
  unsubscribeAll: de(
    'Möchten Sie keine Werbe-E-Mails mehr an {email} erhalten?',
    'Möchtest du keine Werbe-E-Mails mehr an {email} bekommen?',
    'Do you want to stop receiving marketing emails at {email}?',
  ),
  unsubscribeButton: same('Abmelden', 'Unsubscribe'),
  unsubscribedTopic: de(
    'Sie sind vom Thema „{topic}“ abgemeldet. Sie erhalten dazu keine E-Mails mehr.',
    'Du bist vom Thema „{topic}“ abgemeldet. Du bekommst dazu keine E-Mails mehr.',
    'You are unsubscribed from “{topic}”. You will not receive these emails any more.',
  ),
  unsubscribedAll: de(
    'Sie sind abgemeldet und erhalten keine Werbe-E-Mails mehr.',
    'Du bist abgemeldet und bekommst keine Werbe-E-Mails mehr.',
    'You are unsubscribed and will not receive marketing emails any more.',
  ),
  toPreferences: de('Alle E-Mail-Einstellungen ansehen', 'Alle E-Mail-Einstellungen ansehen', 'See all email preferences'),
  preferencesTitle: same('E-Mail-Einstellungen', 'Email preferences'),
  preferencesIntro: de(
    'Wählen Sie, welche E-Mails Sie an {email} erhalten möchten.',
    'Wähle, welche E-Mails du an {email} bekommen möchtest.',
    'Choose which emails you want to receive at {email}.',
  ),
  topicsLegend: same('Themen', 'Topics'),
  save: same('Speichern', 'Save'),
  saved: same('Gespeichert.', 'Saved.'),
  unsubscribeEverything: same('Von allen Werbe-E-Mails abmelden', 'Unsubscribe from all marketing emails'),
  consentHeading: de('Ihre Einwilligung', 'Deine Einwilligung', 'Your consent'),
  consentGiven: de(
    'Sie haben am {date} eingewilligt (über: {source}).',
    'Du hast am {date} eingewilligt (über: {source}).',
    'You consented on {date} (via: {source}).',
  ),
  consentWording: same('Wortlaut: „{text}“', 'Wording: “{text}”'),
  consentConfirmed: de('Bestätigt am {date}.', 'Bestätigt am {date}.', 'Confirmed on {date}.'),
  consentPending: de(
    'Noch nicht bestätigt: Sie erhalten erst nach der Bestätigung Werbe-E-Mails.',
    'Noch nicht bestätigt: Du bekommst erst nach der Bestätigung Werbe-E-Mails.',
    'Not confirmed yet: you receive marketing emails only after confirming.',
  ),
  consentWithdrawn: de(
    'Am {date} abgemeldet: Sie erhalten keine Werbe-E-Mails.',
    'Am {date} abgemeldet: Du bekommst keine Werbe-E-Mails.',
    'Unsubscribed on {date}: you receive no marketing emails.',
  ),
  consentNone: de('Keine Einwilligung gespeichert.', 'Keine Einwilligung gespeichert.', 'No consent on record.'),
  confirmTitle: same('Anmeldung bestätigen', 'Confirm your subscription'),
  confirmQuestion: de(
    'Bitte bestätigen Sie, dass Sie E-Mails von {shop} an {email} erhalten möchten.',
    'Bitte bestätige, dass du E-Mails von {shop} an {email} bekommen möchtest.',
    'Please confirm that you want to receive emails from {shop} at {email}.',
  ),
  confirmButton: same('Jetzt bestätigen', 'Confirm now'),
  confirmed: de(
    'Vielen Dank! Ihre Anmeldung ist bestätigt.',
    'Danke! Deine Anmeldung ist bestätigt.',
    'Thank you! Your subscription is confirmed.',
  ),
  confirmVoid: de(
    'Dieser Bestätigungslink gilt nicht mehr. Es wurde nichts geändert.',
    'Dieser Bestätigungslink gilt nicht mehr. Es wurde nichts geändert.',
    'This confirmation link is no longer valid. Nothing was changed.',
  ),
  invalidTitle: same('Link ungültig', 'Invalid link'),
  invalid: de(
    'Dieser Link ist ungültig oder unvollständig. Es wurde nichts geändert.',
    'Dieser Link ist ungültig oder unvollständig. Es wurde nichts geändert.',
    'This link is invalid or incomplete. Nothing was changed.',
  ),
  expired: de(
    'Dieser Link ist abgelaufen. Es wurde nichts geändert.',
    'Dieser Link ist abgelaufen. Es wurde nichts geändert.',
    'This link has expired. Nothing was changed.',
  ),
  neutralTitle: same('Keine Daten', 'Nothing on record'),
  neutral: same('Zu diesem Link sind keine Daten gespeichert.', 'There is no data on record for this link.'),
  notFoundTitle: same('Nicht gefunden', 'Not found'),
  notFound: same('Diese Seite gibt es nicht.', 'This page does not exist.'),
  busyTitle: same('Zu viele Anfragen', 'Too many requests'),
  busy: same('Bitte versuchen Sie es in einer Minute noch einmal.', 'Please try again in a minute.'),
  errorTitle: same('Fehler', 'Error'),
  error: same('Etwas ist schiefgegangen. Es wurde nichts geändert. Bitte versuchen Sie es später noch einmal.', 'Something went wrong. Nothing was changed. Please try again later.'),
  imprint: same('Impressum', 'Legal notice'),
  rewardTitle: de('Ihr Dankeschön', 'Dein Dankeschön', 'Your thank-you'),
  rewardQuestion: de(
    'Danke für Ihre Empfehlung! Möchten Sie „{reward}“ als Dankeschön wählen?',
    'Danke für deine Empfehlung! Möchtest du „{reward}“ als Dankeschön wählen?',
    'Thank you for your referral! Do you want “{reward}” as your thank-you?',
  ),
  rewardButton: same('Diese Prämie wählen', 'Choose this reward'),
  rewardChosen: de(
    'Sie haben „{reward}“ gewählt. Sie erhalten es gleich per E-Mail.',
    'Du hast „{reward}“ gewählt. Du bekommst es gleich per E-Mail.',
    'You chose “{reward}”. You will get it by email shortly.',
  ),
  rewardAlready: de(
    'Ihre Prämie steht schon fest: „{reward}“.',
    'Deine Prämie steht schon fest: „{reward}“.',
    'Your reward is already set: “{reward}”.',
  ),
  rewardGone: de(
    'Diese Empfehlung hat keine Prämie mehr (die Bestellung wurde erstattet).',
    'Diese Empfehlung hat keine Prämie mehr (die Bestellung wurde erstattet).',
    'This referral no longer has a reward (the order was refunded).',
  ),
  rewardInvalid: de(
    'Diese Prämie steht nicht zur Wahl. Es wurde nichts geändert.',
    'Diese Prämie steht nicht zur Wahl. Es wurde nichts geändert.',
    'This reward is not one of your choices. Nothing was changed.',
  ),
};

export type TextKey = keyof typeof t;

/** One localized text with `{name}` placeholders filled in (values escaped). */
export const text = (lang: PageLanguage, key: TextKey, values: Record<string, string> = {}): string =>
  escape(t[key][lang]).replace(/\{(\w+)\}/g, (_, name: string) => escape(values[name] ?? ''));

/** "a***@example.com": enough for the customer to recognise the address, not enough to harvest it. */
export const maskEmail = (email: string): string => {
  const at = email.indexOf('@');
  return at <= 0 ? '' : `${email[0]}***${email.slice(at)}`;
};

/** A topic slug as a label: "newsletter" -> "Newsletter", "new-arrivals" -> "New arrivals". */
export const topicLabel = (topic: string): string => (topic.charAt(0).toUpperCase() + topic.slice(1)).replace(/-/g, ' ');

export const formatDate = (iso: string, lang: PageLanguage): string =>
  new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'de-DE', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso)) + ' UTC';

const style = `body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f1a16;background:#faf7f2}
main{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border:1px solid #e4dccf;border-radius:8px}
h1{font-size:1.4rem;margin-top:0}button{font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #6b3f1d;background:#6b3f1d;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#6b3f1d}button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
fieldset{border:1px solid #e4dccf;border-radius:6px;margin:1rem 0}label{display:block;padding:.3rem 0}a{color:#6b3f1d}
.status{padding:.6rem;border-left:4px solid #2e7d32;background:#eef7ee}footer{text-align:center;font-size:.8rem;color:#6b5a4a;margin:1rem}`;

/** The page shell: language, title, one heading, the body, and the shop's imprint. */
export const page = (lang: PageLanguage, shop: ShopInfo, title: string, body: string): string =>
  `<!doctype html><html lang="${lang === 'en' ? 'en' : 'de'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<meta name="robots" content="noindex,nofollow"><title>${title} – ${escape(shop.name)}</title><style>${style}</style></head>` +
  `<body><main><h1>${title}</h1>${body}</main><footer>${escape(shop.name)} · ${escape(shop.address)} · ` +
  `<a href="${escape(shop.url)}">${escape(shop.url.replace(/^https?:\/\//, ''))}</a><br>${text(lang, 'imprint')}: ${escape(shop.imprint)}</footer></body></html>`;

export { escape as escapeHtml };
