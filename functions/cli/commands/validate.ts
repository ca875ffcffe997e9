// `stammkunde validate <paths...> [--templates <dir>]`: checks campaign, segment and reward
// catalog files (and folders of them) together. Exit 0 when all are valid; otherwise exit 1 with
// one line per problem, `file: json.path: message`. Never a stack trace.
import type { Command } from 'commander';
import { loadWorkspace } from '#local/load-files';
import type { Problem } from '#core/workspace';

export interface ValidateOutcome {
  exitCode: 0 | 1;
  /** Problem lines (stdout) or, when valid, one summary line. */
  lines: string[];
}

export const formatProblem = (problem: Problem): string => `${problem.file}: ${problem.path}: ${problem.message}`;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const runValidate = async (paths: readonly string[], options: { templates?: string } = {}): Promise<ValidateOutcome> => {
  const { workspace, problems } = await loadWorkspace(paths, { templatesDir: options.templates ?? 'templates' });
  if (problems.length > 0) return { exitCode: 1, lines: problems.map(formatProblem) };
  const c = workspace.campaigns.size;
  const s = workspace.segments.size;
  const r = workspace.rewardCatalogs.size;
  if (c + s + r === 0) return { exitCode: 1, lines: [`${paths.join(' ')}: (root): no campaign, segment or reward catalog files found`] };
  return {
    exitCode: 0,
    lines: [`valid: ${plural(c, 'campaign', 'campaigns')}, ${plural(s, 'segment', 'segments')}, ${plural(r, 'reward catalog', 'reward catalogs')}`],
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
