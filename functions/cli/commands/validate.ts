// `stammkunde validate <paths...> [--templates <dir>]`: checks campaign, segment and reward
// catalog files (and folders of them) together. Exit 0 when all are valid; otherwise exit 1 with
// one line per problem, `file: json.path: message`. Never a stack trace. Warnings (a `once` time in
// the past) are printed the same way with "warning:" and do not change the exit code.
import type { Command } from 'commander';
import { loadWorkspace } from '#local/load-files';
import type { Problem, Workspace } from '#core/workspace';
import { pastOnceWarning } from '#core/delivery/occurrence';

export interface ValidateOutcome {
  exitCode: 0 | 1;
  /** Problem lines (stdout) or, when valid, one summary line. */
  lines: string[];
}

export const formatProblem = (problem: Problem): string => `${problem.file}: ${problem.path}: ${problem.message}`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Warnings that do not fail validation: `once` schedules whose time has passed. */
export const scheduleWarnings = (workspace: Workspace, now: Date): Problem[] =>
  [...workspace.campaigns.values()].flatMap(({ file, value }) => {
    const message = 'schedule' in value ? pastOnceWarning(value.schedule, now) : undefined;
    return message ? [{ file, path: 'schedule.at', message }] : [];
  });

export const runValidate = async (paths: readonly string[], options: { templates?: string; now?: Date } = {}): Promise<ValidateOutcome> => {
  const { workspace, problems } = await loadWorkspace(paths, { templatesDir: options.templates ?? 'templates' });
  const warnings = scheduleWarnings(workspace, options.now ?? new Date()).map(formatProblem);
  if (problems.length > 0) return { exitCode: 1, lines: [...problems.map(formatProblem), ...warnings] };
  const c = workspace.campaigns.size;
  const s = workspace.segments.size;
  const r = workspace.rewardCatalogs.size;
  if (c + s + r === 0) return { exitCode: 1, lines: [`${paths.join(' ')}: (root): no campaign, segment or reward catalog files found`] };
  return {
    exitCode: 0,
    lines: [...warnings, `valid: ${plural(c, 'campaign', 'campaigns')}, ${plural(s, 'segment', 'segments')}, ${plural(r, 'reward catalog', 'reward catalogs')}`],
  };
};

export const register = (program: Command): void => {
  program
    .command('validate')
    .description('check campaign, segment and reward catalog files (and folders of them)')
    .argument('<paths...>', 'files or folders')
    .option('--templates <dir>', 'folder with layouts/<name>.mjml, to check layout names', 'templates')
    .action(async (paths: string[], opts: { templates: string }) => {
      const outcome = await runValidate(paths, { templates: opts.templates });
      for (const line of outcome.lines) console.log(line);
      process.exitCode = outcome.exitCode;
    });
};
