// The report's words in German and English, and number formats (Intl, the language's own
// separators). Money is shown in the shop's major unit without a currency sign: the counters
// add minor units of whatever currency the orders came in.
export type ReportLanguage = 'de' | 'en';
export const REPORT_LANGUAGES: readonly ReportLanguage[] = ['de', 'en'];

const locale = (lang: ReportLanguage) => (lang === 'de' ? 'de-DE' : 'en-GB');

export const formatNumber = (value: number, lang: ReportLanguage, digits = 0): string =>
  new Intl.NumberFormat(locale(lang), { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(value);
export const formatRate = (value: number, lang: ReportLanguage): string => `${formatNumber(value, lang, 1)} %`;
export const formatCents = (cents: number, lang: ReportLanguage): string => formatNumber(cents / 100, lang, 2);

const en = {
  title: 'Retention report',
  period: (from: string, to: string, zone: string, days: number) => `${from} to ${to}, months in ${zone}, active = a purchase in the last ${days} days`,
  kpisOf: (month: string) => `Month ${month}`,
  repeatPurchaseRate: 'Repeat-purchase rate',
  churnRate: 'Churn rate',
  nps: 'Net promoter score',
  revenue: 'Net revenue',
  activeCustomers: 'Active customers',
  newCustomers: 'New customers',
  customers: 'Customers',
  repeatCustomers: 'Repeat customers',
  activeAtStart: 'Active at start',
  retainedAtEnd: 'Retained at end',
  npsResponses: 'NPS answers (P/P/D)',
  orders: 'Orders',
  month: 'Month',
  months: 'Month by month',
  monthsCaption: 'Every KPI per calendar month',
  trends: 'Trends',
  funnel: 'Campaign funnels',
  funnelCaption: 'Per campaign, then per occurrence and variant',
  campaign: 'Campaign',
  sent: 'Sent',
  delivered: 'Delivered',
  bounced: 'Bounced',
  complained: 'Complaints',
  clicked: 'Unique clicks',
  unsubscribed: 'Unsubscribed',
  conversions: 'Conversions',
  lift: 'lift',
  holdout: 'holdout',
  variant: 'variant',
  points: 'pts',
  revenueByCampaign: 'Revenue by campaign',
  clicksByCampaign: 'Unique clicks by campaign',
  noAttribution: 'No attribution source: unique clicks are shown instead of revenue.',
  noCampaigns: 'No campaign ran in this period.',
  noComparison: 'no previous value',
  noData: 'no data',
  vsPrevious: 'vs previous month',
  definitions: 'Repeat-purchase rate: customers with 2+ purchases / customers with 1+ purchase at the end of the month. Churn: customers active at the start of the month who are no longer active at its end. NPS: each customer\'s latest answer in the month.',
  generated: (at: string) => `Generated ${at} UTC.`,
  fromProfiles: 'KPIs computed from every profile (no counters kept for this zone and window).',
};
type Labels = typeof en;

const de: Labels = {
  title: 'Stammkunden-Bericht',
  period: (from, to, zone, days) => `${from} bis ${to}, Monate in ${zone}, aktiv = ein Kauf in den letzten ${days} Tagen`,
  kpisOf: (month) => `Monat ${month}`,
  repeatPurchaseRate: 'Wiederkaufrate',
  churnRate: 'Abwanderungsrate',
  nps: 'Net Promoter Score',
  revenue: 'Nettoumsatz',
  activeCustomers: 'Aktive Kunden',
  newCustomers: 'Neukunden',
  customers: 'Kunden',
  repeatCustomers: 'Wiederkäufer',
  activeAtStart: 'Aktiv am Anfang',
  retainedAtEnd: 'Gehalten am Ende',
  npsResponses: 'NPS-Antworten (P/P/D)',
  orders: 'Bestellungen',
  month: 'Monat',
  months: 'Monat für Monat',
  monthsCaption: 'Alle Kennzahlen je Kalendermonat',
  trends: 'Verlauf',
  funnel: 'Kampagnen-Trichter',
  funnelCaption: 'Je Kampagne, darunter je Ausführung und Variante',
  campaign: 'Kampagne',
  sent: 'Gesendet',
  delivered: 'Zugestellt',
  bounced: 'Unzustellbar',
  complained: 'Beschwerden',
  clicked: 'Eindeutige Klicks',
  unsubscribed: 'Abgemeldet',
  conversions: 'Käufe',
  lift: 'Lift',
  holdout: 'Kontrollgruppe',
  variant: 'Variante',
  points: 'Pkt.',
  revenueByCampaign: 'Umsatz je Kampagne',
  clicksByCampaign: 'Eindeutige Klicks je Kampagne',
  noAttribution: 'Keine Zuordnung von Käufen: statt des Umsatzes stehen hier die eindeutigen Klicks.',
  noCampaigns: 'In diesem Zeitraum lief keine Kampagne.',
  noComparison: 'kein Vormonat',
  noData: 'keine Daten',
  vsPrevious: 'zum Vormonat',
  definitions: 'Wiederkaufrate: Kunden mit 2+ Käufen / Kunden mit 1+ Kauf am Monatsende. Abwanderung: am Monatsanfang aktive Kunden, die am Monatsende nicht mehr aktiv sind. NPS: je Kunde die letzte Antwort im Monat.',
  generated: (at) => `Erstellt ${at} UTC.`,
  fromProfiles: 'Kennzahlen aus allen Profilen berechnet (für diese Zeitzone und dieses Fenster werden keine Zähler geführt).',
};

export const labels: Record<ReportLanguage, Labels> = { de, en };
