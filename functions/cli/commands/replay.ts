// `stammkunde replay --campaigns <dir> --events <events.jsonl> --from <date> --to <date> --out <outbox.jsonl>
// [--customers <customers.jsonl>] [--backend memory|local-aws] [--workers <n>]`: the campaigns against a shop's
// history on the embedded runtime (functions/local/replay.ts). Exit 1 with validate's lines when
// the campaigns are invalid; bad input lines are reported and skipped, never fatal.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { Backend } from '#local/runtime';
import { positiveInt } from '#cli/flags';
import { formatReplaySummary, runReplay } from '#local/replay';
import { runtimeReport } from '#local/report';
import type { Report } from '#core/report';
import { formatReport, reportFormatOf } from '#cli/commands/report';
import { REPORT_LANGUAGES, type ReportLanguage } from '../../report/text';

/** A date ("2026-01-01", taken as UTC midnight) or an ISO instant. */
export const parseInstant = (name: string) => (value: string): Date => {
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(at.getTime())) throw new Error(`--${name} must be a date (YYYY-MM-DD) or an ISO time, got "${value}"`);
  return at;
};

const parseBackend = (value: string): Backend => {
  if (value !== 'memory' && value !== 'local-aws') throw new Error(`--backend must be memory or local-aws, got "${value}"`);
  return value;
};

interface ReplayFlags {
  campaigns: string;
  events: string;
  from: Date;
  to: Date;
  out: string;
  customers?: string;
  backend: Backend;
  templates: string;
  confirmConsent: boolean;
  report?: string;
  reportLang: ReportLanguage;
  workers?: number;
}

export const register = (program: Command): void => {
  program
    .command('replay')
    .description('run campaigns against a shop history on the embedded runtime with a simulated clock; one JSON line per sent mail')
    .requiredOption('--campaigns <dir>', 'campaign, segment and reward catalog files')
    .requiredOption('--events <file>', 'events.jsonl: one EventBridge envelope per line')
    .requiredOption('--from <date>', 'first instant (YYYY-MM-DD is UTC midnight)', parseInstant('from'))
    .requiredOption('--to <date>', 'last instant', parseInstant('to'))
    .requiredOption('--out <file>', 'outbox.jsonl to write')
    .option('--customers <file>', 'customers.jsonl: CustomerRegistered details, registered at --from')
    .option('--backend <name>', 'memory (in-memory twins) or local-aws (dynalite + local SES)', parseBackend, 'memory')
    .option('--templates <dir>', 'templates folder (layouts, partials, locales, shop.json)', 'templates')
    .option('--report <file>', 'also write the retention report of the replayed period: file.json or file.html')
    .option('--report-lang <lang>', 'de or en (the HTML report)', (value: string): ReportLanguage => {
      if (!(REPORT_LANGUAGES as readonly string[]).includes(value)) throw new Error(`--report-lang must be de or en, got "${value}"`);
      return value as ReportLanguage;
    }, 'en' as ReportLanguage)
    .option('--workers <n>', 'worker threads to split the customers over (default: the cores, up to 4, from 2,000 customers on; 1 with --report or --backend local-aws)', positiveInt('--workers'))
    .option('--no-confirm-consent', 'leave marketing consent pending (by default replay confirms the double opt-in on the day consent is given)')
    .action(async (flags: ReplayFlags) => {
      const reportFormat = flags.report ? reportFormatOf(undefined, flags.report) : undefined;
      if (flags.report && reportFormat === 'table') throw new Error(`--report "${flags.report}" must end in .json or .html`);
      let report: Report | undefined;
      const result = await runReplay({
        campaigns: flags.campaigns,
        events: flags.events,
        from: flags.from,
        to: flags.to,
        backend: flags.backend,
        templatesDir: flags.templates,
        confirmConsent: flags.confirmConsent,
        ...(flags.workers ? { workers: flags.workers } : {}),
        ...(flags.customers ? { customers: flags.customers } : {}),
        ...(process.stdout.isTTY ? { progress: process.stdout } : {}),
        ...(flags.report ? { inspect: async (runtime) => void (report = await runtimeReport(runtime, { from: flags.from, to: flags.to })) } : {}),
      });
      if (!result.ok) {
        for (const line of result.problems) console.log(line);
        process.exitCode = 1;
        return;
      }
      await mkdir(dirname(flags.out), { recursive: true });
      await result.writeOutbox(flags.out);
      console.log(formatReplaySummary(result));
      console.log(`outbox: ${flags.out}`);
      if (flags.report && report && reportFormat) {
        await mkdir(dirname(flags.report), { recursive: true });
        await writeFile(flags.report, formatReport(report, reportFormat, flags.reportLang));
        console.log(`report: ${flags.report}`);
      }
    });
};
