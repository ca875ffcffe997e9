import { aProfile } from '#test/fixtures/profile';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileAudience, parseJson, validateWorkspace } from '#core/workspace';
import type { SourceFile } from '#core/workspace';
import { loadWorkspace, readSourceFiles } from '#local/load-files';

const layouts = ['greeting', 'newsletter'];
const fixture = (name: string): SourceFile => {
  const file = `test/fixtures/formats/broken/${name}`;
  return { file, text: readFileSync(file, 'utf8') };
};
const shipped = async () => (await readSourceFiles(['campaigns'])).files;
const problemsOf = async (name: string) => {
  const { problems } = validateWorkspace([...(await shipped()), fixture(name)], { layouts });
  return problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);
};
const broken = (name: string) => `test/fixtures/formats/broken/${name}`;

describe('workspace: shipped examples', () => {
  it('validates every shipped campaign, segment and reward catalog without problems', async () => {
    const { workspace, problems } = await loadWorkspace(['campaigns']);
    expect(problems).toEqual([]);
    expect(new Set([...workspace.campaigns.values()].map((c) => c.value.kind))).toEqual(new Set(['newsletter', 'seasonal', 'triggered', 'discount', 'referral']));
    expect(workspace.segments.size).toBeGreaterThanOrEqual(3);
    expect(workspace.rewardCatalogs.size).toBe(1);
  });

  it('ships German and English content for every example campaign', async () => {
    const { workspace } = await loadWorkspace(['campaigns']);
    for (const { value } of workspace.campaigns.values()) expect(Object.keys(value.template.content).sort()).toEqual(['de', 'en']);
  });

  it('compiles every shipped audience into a predicate', async () => {
    const { workspace } = await loadWorkspace(['campaigns']);
    const lapsed = aProfile({
      orders: { count: 2, netSpendCents: 5_000, refundedCents: 0, averageOrderCents: 2_500, firstOrderAt: '2026-01-10T10:00:00Z', lastOrderAt: '2026-06-01T10:00:00Z' },
    });
    const at = Date.parse('2026-11-23T12:00:00Z');
    const matches = [...workspace.campaigns.values()].filter(({ value }) => compileAudience(workspace, value)(lapsed, at)).map(({ value }) => value.id);
    expect(matches).toContain('winback-discount');
    // The referral invitation goes to newsletter readers who ordered, never to someone who has not.
    expect(matches).toContain('referral-friends');
    const referral = workspace.campaigns.get('referral-friends')!.value;
    expect(compileAudience(workspace, referral)(aProfile({}), at)).toBe(false);
  });
});

describe('workspace: broken variants', () => {
  it('reports a JSON syntax error with line and column', async () => {
    expect(await problemsOf('syntax-error.json')).toEqual([`${broken('syntax-error.json')}: (root): invalid JSON at line 5, column 3: Expected ',' or '}' after property value`]);
  });

  it('reports an unknown segment reference at audience.segment', async () => {
    const lines = await problemsOf('unknown-segment.json');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^test\/fixtures\/formats\/broken\/unknown-segment\.json: audience\.segment: unknown segment "vip-platinum" \(known: .*vip-gold/);
  });

  it('reports an unknown layout at template.layout', async () => {
    expect(await problemsOf('unknown-layout.json')).toEqual([
      `${broken('unknown-layout.json')}: template.layout: unknown layout "poster" (templates/layouts has: greeting, newsletter)`,
    ]);
  });

  it('skips the layout check when no layout list is given', async () => {
    expect(validateWorkspace([...(await shipped()), fixture('unknown-layout.json')]).problems).toEqual([]);
  });

  it('reports an unknown reward catalog at rewards', async () => {
    expect(await problemsOf('unknown-rewards.json')).toEqual([
      `${broken('unknown-rewards.json')}: rewards: unknown reward catalog "summer-rewards" (known: referral-rewards)`,
    ]);
  });

  it('reports each bad field of a campaign at its own path', async () => {
    const f = broken('bad-fields.json');
    expect((await problemsOf('bad-fields.json')).sort()).toEqual(
      [
        `${f}: status: Invalid option: expected one of "draft"|"active"|"paused"`,
        `${f}: audience.rule.rules[1].days: is required with op "moreThanDaysAgo"`,
        `${f}: template.content.de.blocks[0].url: links must use https, http or mailto`,
        `${f}: template.defaultLocale: "fr" has no content (have: de)`,
        `${f}: schedule.cron: must have five fields: minute hour day-of-month month day-of-week`,
      ].sort(),
    );
  });

  it('reports reward catalog problems at the reward they concern', async () => {
    const f = broken('bad-rewards.json');
    expect((await problemsOf('bad-rewards.json')).sort()).toEqual(
      [
        `${f}: rewards[1].validity.to: is before from (2026-12-31)`,
        `${f}: rotateEvery: is required with mode "rotate"`,
        `${f}: rewards[1].id: duplicate reward id "a"`,
        `${f}: rewards[1].label: needs a label for the default locale "de"`,
      ].sort(),
    );
  });

  it('reports a duplicate segment id on the later file, naming the first', async () => {
    expect(await problemsOf('duplicate-segment.json')).toEqual([
      `${broken('duplicate-segment.json')}: id: duplicate segment id "vip-gold" (also in campaigns/segments/vip-gold.json)`,
    ]);
  });

  it('reports a segment cycle on every segment in it, at the closing reference', () => {
    const { problems } = validateWorkspace([fixture('cycle-a.json'), fixture('cycle-b.json')]);
    expect(problems.map((p) => `${p.file}: ${p.path}: ${p.message}`)).toEqual([
      `${broken('cycle-a.json')}: rule.rules[1].segment: segment cycle: cycle-a -> cycle-b -> cycle-a`,
      `${broken('cycle-b.json')}: rule.rule.segment: segment cycle: cycle-b -> cycle-a -> cycle-b`,
    ]);
  });

  it('reports a segment that refers to itself', () => {
    const { problems } = validateWorkspace([{ file: 'self.json', text: JSON.stringify({ kind: 'segment', id: 'me', name: 'Me', rule: { type: 'not', rule: { type: 'segment', segment: 'me' } } }) }]);
    expect(problems).toEqual([{ file: 'self.json', path: 'rule.rule.segment', message: 'segment cycle: me -> me' }]);
  });

  it('reports an unknown file kind at kind', async () => {
    expect(await problemsOf('unknown-kind.json')).toEqual([
      `${broken('unknown-kind.json')}: kind: unknown kind "journey"; one of newsletter, seasonal, triggered, discount, referral, segment, rewardCatalog`,
    ]);
  });

  it('names an unknown field by its own path', () => {
    const { problems } = validateWorkspace([{ file: 's.json', text: '{"kind":"segment","id":"s","name":"S","rule":{"type":"tier","in":["gold"],"tiers":[]}}' }]);
    expect(problems).toEqual([{ file: 's.json', path: 'rule.tiers', message: 'unknown field' }]);
  });

  it('does not call a reference unknown when the referenced file only failed its schema', () => {
    const { problems } = validateWorkspace([
      { file: 'a.json', text: '{"kind":"segment","id":"a","name":"A","rule":{"type":"tier","in":["platinum"]}}' },
      { file: 'b.json', text: '{"kind":"segment","id":"b","name":"B","rule":{"type":"segment","segment":"a"}}' },
    ]);
    expect(problems.map((p) => p.file)).toEqual(['a.json']);
  });

  it('reports a missing path as a problem instead of throwing', async () => {
    const { problems } = await loadWorkspace(['does/not/exist.json']);
    expect(problems).toEqual([{ file: 'does/not/exist.json', path: '(root)', message: 'no such file or directory' }]);
  });
});

describe('workspace: JSON parsing', () => {
  it('counts lines and columns from 1', () => {
    expect(parseJson('{\n  "a": 1,\n}')).toEqual({ ok: false, message: "invalid JSON at line 3, column 1: Expected double-quoted property name" });
  });

  it('reports an empty file at line 1', () => {
    const result = parseJson('');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^invalid JSON at line 1, column 1: /);
  });
});
