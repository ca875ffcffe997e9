// A workspace: the marketer's files (campaigns, segments, reward catalogs) checked together.
// Pure: it takes file texts (local/load-files.ts reads them from disk) and returns the parsed
// workspace plus every problem as `{ file, path, message }` — JSON syntax errors with line and
// column, schema errors with their JSON path, duplicate ids, unknown segment / reward catalog /
// layout references, and segment reference cycles. It never throws on bad input.
//
// File kinds are told apart by the `kind` field every file carries:
//   newsletter | seasonal | triggered | discount | referral   -> campaign (core/campaign.ts)
//   segment                                                   -> segment (core/segment.ts)
//   rewardCatalog                                             -> reward catalog (core/rewards.ts)
import type * as z from 'zod';
import { Campaign, campaignKinds } from '#core/campaign';
import { Segment, SegmentRuleError, compileRule, segmentReferences } from '#core/segment';
import type { Predicate, SegmentRule } from '#core/segment';
import { RewardCatalog } from '#core/rewards';
import { campaignTextProblems } from '#core/voice';

export interface SourceFile {
  /** The name problems are reported under (a path as the user gave it). */
  file: string;
  text: string;
}

export interface Problem {
  file: string;
  /** JSON path in the file: "template.content.de.blocks[2].url"; "(root)" for the whole file. */
  path: string;
  message: string;
}

export type FileKind = 'campaign' | 'segment' | 'rewardCatalog';

export interface Located<T> {
  file: string;
  value: T;
}

export interface Workspace {
  campaigns: Map<string, Located<Campaign>>;
  segments: Map<string, Located<Segment>>;
  rewardCatalogs: Map<string, Located<RewardCatalog>>;
}

/** Ids of files that exist but failed their schema: references to them are not "unknown". */
interface Invalid {
  segments: Set<string>;
  rewardCatalogs: Set<string>;
}

const idOf = (value: unknown): string | undefined => {
  const id = (value as Record<string, unknown>).id;
  return typeof id === 'string' ? id : undefined;
};

export interface ValidateOptions {
  /**
   * Layout names that exist (templates/layouts/<name>.mjml). When given, campaigns naming
   * another layout are a problem; when omitted, layouts are not checked.
   */
  layouts?: readonly string[];
}

export interface WorkspaceResult {
  /** Everything that parsed; files with schema problems are left out, reference problems kept. */
  workspace: Workspace;
  problems: Problem[];
}

export const formatPath = (path: readonly PropertyKey[]): string => {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += out === '' ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out === '' ? '(root)' : out;
};

/** Line and column (1-based) of a character offset. */
const lineColumn = (text: string, offset: number): { line: number; column: number } => {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
};

/** JSON.parse with the error turned into a message with line and column. */
export const parseJson = (text: string): { ok: true; value: unknown } | { ok: false; message: string } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const raw = error instanceof Error ? error.message : String(error);
    const reported = /line (\d+) column (\d+)/.exec(raw);
    const position = /at position (\d+)/.exec(raw);
    const where = reported
      ? { line: Number(reported[1]), column: Number(reported[2]) }
      : position
        ? lineColumn(text, Number(position[1]))
        : lineColumn(text, text.length);
    const reason = raw
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/^JSON\.parse: /, '');
    return { ok: false, message: `invalid JSON at line ${where.line}, column ${where.column}: ${reason}` };
  }
};

const zodProblems = (file: string, error: z.ZodError, base: PropertyKey[] = []): Problem[] =>
  error.issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // Point at each unknown key itself, so the path says exactly what to remove or rename.
      return issue.keys.map((key) => ({ file, path: formatPath([...path, key]), message: 'unknown field' }));
    }
    if (issue.code === 'invalid_key') {
      // zod wraps the key's own problem ("must be a locale ...") in "Invalid key in record".
      return [{ file, path: formatPath(path), message: `invalid key: ${issue.issues.map((i) => i.message).join('; ')}` }];
    }
    return [{ file, path: formatPath(path), message: issue.message }];
  });

const fileKinds = [...campaignKinds, 'segment', 'rewardCatalog'] as const;

/** The file kind from the `kind` field, or a problem message. */
export const detectKind = (value: unknown): { kind: FileKind } | { message: string } => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { message: 'must be a JSON object with a "kind" field' };
  const kind = (value as Record<string, unknown>).kind;
  if (kind === undefined) return { message: `missing "kind"; one of ${fileKinds.join(', ')}` };
  if ((campaignKinds as readonly unknown[]).includes(kind)) return { kind: 'campaign' };
  if (kind === 'segment') return { kind: 'segment' };
  if (kind === 'rewardCatalog') return { kind: 'rewardCatalog' };
  return { message: `unknown kind ${JSON.stringify(kind)}; one of ${fileKinds.join(', ')}` };
};

const kindNames: Record<FileKind, string> = { campaign: 'campaign', segment: 'segment', rewardCatalog: 'reward catalog' };

/** Checks every file on its own and then all of them together. Never throws. */
export const validateWorkspace = (files: readonly SourceFile[], options: ValidateOptions = {}): WorkspaceResult => {
  const problems: Problem[] = [];
  const workspace: Workspace = { campaigns: new Map(), segments: new Map(), rewardCatalogs: new Map() };
  const invalid: Invalid = { segments: new Set(), rewardCatalogs: new Set() };
  const remember = (set: Set<string>, value: unknown) => {
    const id = idOf(value);
    if (id !== undefined) set.add(id);
  };

  const add = <T extends { id: string }>(map: Map<string, Located<T>>, kind: FileKind, file: string, value: T) => {
    const existing = map.get(value.id);
    if (existing) {
      problems.push({ file, path: 'id', message: `duplicate ${kindNames[kind]} id "${value.id}" (also in ${existing.file})` });
      return;
    }
    map.set(value.id, { file, value });
  };

  for (const { file, text } of files) {
    const parsed = parseJson(text);
    if (!parsed.ok) {
      problems.push({ file, path: '(root)', message: parsed.message });
      continue;
    }
    const detected = detectKind(parsed.value);
    if ('message' in detected) {
      problems.push({ file, path: typeof parsed.value === 'object' && parsed.value !== null ? 'kind' : '(root)', message: detected.message });
      continue;
    }
    switch (detected.kind) {
      case 'campaign': {
        const result = Campaign.safeParse(parsed.value);
        if (result.success) add(workspace.campaigns, 'campaign', file, result.data);
        else problems.push(...zodProblems(file, result.error));
        break;
      }
      case 'segment': {
        const result = Segment.safeParse(parsed.value);
        if (result.success) add(workspace.segments, 'segment', file, result.data);
        else {
          remember(invalid.segments, parsed.value);
          problems.push(...zodProblems(file, result.error));
        }
        break;
      }
      case 'rewardCatalog': {
        const result = RewardCatalog.safeParse(parsed.value);
        if (result.success) add(workspace.rewardCatalogs, 'rewardCatalog', file, result.data);
        else {
          remember(invalid.rewardCatalogs, parsed.value);
          problems.push(...zodProblems(file, result.error));
        }
        break;
      }
    }
  }

  problems.push(...referenceProblems(workspace, invalid, options));
  // Liquid syntax, unknown variables and the voice of German texts (core/voice.ts).
  for (const { file, value } of workspace.campaigns.values()) {
    for (const problem of campaignTextProblems(value)) problems.push({ file, ...problem });
  }
  // Group lines by file (stable: within a file, schema problems first, then references).
  const order = new Map(files.map((f, i) => [f.file, i]));
  problems.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1));
  return { workspace, problems };
};

/** Rules a campaign holds, with their paths: the inline audience rule and the trigger condition. */
export const campaignRules = (campaign: Campaign): { rule: SegmentRule; path: (string | number)[] }[] => {
  const rules: { rule: SegmentRule; path: (string | number)[] }[] = [];
  if (campaign.audience.rule) rules.push({ rule: campaign.audience.rule, path: ['audience', 'rule'] });
  if (campaign.kind === 'triggered' && campaign.trigger.when) rules.push({ rule: campaign.trigger.when, path: ['trigger', 'when'] });
  return rules;
};

const referenceProblems = (workspace: Workspace, invalid: Invalid, options: ValidateOptions): Problem[] => {
  const problems: Problem[] = [];
  // A reference to a file that failed its own schema is reported there, not again here.
  const hasSegment = (id: string) => workspace.segments.has(id) || invalid.segments.has(id);
  const known = [...workspace.segments.keys()];
  const unknownSegment = (id: string) =>
    `unknown segment "${id}"${known.length > 0 ? ` (known: ${known.sort().join(', ')})` : ' (no segment files given)'}`;

  // Segment -> segment references, then cycles among them (each cycle reported once per member).
  for (const [, { file, value }] of workspace.segments) {
    for (const ref of segmentReferences(value.rule, ['rule'])) {
      if (!hasSegment(ref.segment)) problems.push({ file, path: formatPath(ref.path), message: unknownSegment(ref.segment) });
    }
  }
  problems.push(...cycleProblems(workspace));

  for (const [, { file, value: campaign }] of workspace.campaigns) {
    if (campaign.audience.segment !== undefined && !hasSegment(campaign.audience.segment)) {
      problems.push({ file, path: 'audience.segment', message: unknownSegment(campaign.audience.segment) });
    }
    for (const { rule, path } of campaignRules(campaign)) {
      for (const ref of segmentReferences(rule, path)) {
        if (!hasSegment(ref.segment)) problems.push({ file, path: formatPath(ref.path), message: unknownSegment(ref.segment) });
      }
    }
    if (campaign.kind === 'referral' && !workspace.rewardCatalogs.has(campaign.rewards) && !invalid.rewardCatalogs.has(campaign.rewards)) {
      const catalogs = [...workspace.rewardCatalogs.keys()].sort();
      problems.push({
        file,
        path: 'rewards',
        message: `unknown reward catalog "${campaign.rewards}"${catalogs.length > 0 ? ` (known: ${catalogs.join(', ')})` : ' (no reward catalog files given)'}`,
      });
    }
    if (options.layouts !== undefined && !options.layouts.includes(campaign.template.layout)) {
      problems.push({
        file,
        path: 'template.layout',
        message: `unknown layout "${campaign.template.layout}" (templates/layouts has: ${[...options.layouts].sort().join(', ') || 'none'})`,
      });
    }
  }
  return problems;
};

const cycleProblems = (workspace: Workspace): Problem[] => {
  const problems: Problem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();

  const visit = (id: string, stack: string[]) => {
    state.set(id, 'visiting');
    const located = workspace.segments.get(id);
    if (!located) return;
    for (const ref of segmentReferences(located.value.rule, ['rule'])) {
      const next = ref.segment;
      if (!workspace.segments.has(next)) continue;
      if (state.get(next) === 'visiting') {
        const path = [...stack, id];
        const cycle = [...path.slice(path.indexOf(next)), next];
        const members = cycle.slice(0, -1);
        // Report on every segment of the cycle, at the reference that closes it from there.
        for (let i = 0; i < members.length; i++) {
          const member = members[i]!;
          if (reported.has(member)) continue;
          reported.add(member);
          const target = cycle[i + 1]!;
          const at = workspace.segments.get(member)!;
          const refPath = segmentReferences(at.value.rule, ['rule']).find((r) => r.segment === target)?.path ?? ['rule'];
          const rotated = [...members.slice(i), ...members.slice(0, i), member];
          problems.push({ file: at.file, path: formatPath(refPath), message: `segment cycle: ${rotated.join(' -> ')}` });
        }
      } else if (state.get(next) === undefined) {
        visit(next, [...stack, id]);
      }
    }
    state.set(id, 'done');
  };

  for (const id of [...workspace.segments.keys()].sort()) if (state.get(id) === undefined) visit(id, []);
  return problems;
};

/** Resolves segment references against the workspace's segment files. */
export const segmentLookup =
  (workspace: Workspace) =>
  (id: string): SegmentRule | undefined =>
    workspace.segments.get(id)?.value.rule;

/**
 * The compiled audience predicate of a campaign (its segment or inline rule, with references
 * resolved in the workspace). Throws SegmentRuleError for unknown references or cycles, which
 * validateWorkspace reports first.
 */
export const compileAudience = (workspace: Workspace, campaign: Campaign): Predicate => {
  const { segment, rule } = campaign.audience;
  const root: SegmentRule | undefined = rule ?? (segment !== undefined ? { type: 'segment', segment } : undefined);
  if (root === undefined) throw new SegmentRuleError(`campaign "${campaign.id}" has no audience`);
  return compileRule(root, { segments: segmentLookup(workspace) });
};
