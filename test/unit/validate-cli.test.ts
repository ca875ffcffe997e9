import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidate } from '#cli/commands/validate';
import { marketerSchemas } from '#cli/commands/schema';

const run = promisify(execFile);
const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/stammkunde.mjs', ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('cli: stammkunde validate', () => {
  it('exits 0 and prints a summary for the shipped examples', async () => {
    const { code, stdout, stderr } = await cli('validate', 'campaigns');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe('valid: 12 campaigns, 5 segments, 1 reward catalog\n');
  });

  it('exits 1 with one "file: json.path: message" line per problem and no stack trace', async () => {
    const { code, stdout, stderr } = await cli('validate', 'campaigns', 'test/fixtures/formats/broken/unknown-segment.json', 'test/fixtures/formats/broken/syntax-error.json');
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^test\/fixtures\/formats\/broken\/unknown-segment\.json: audience\.segment: unknown segment "vip-platinum"/);
    expect(lines[1]).toBe("test/fixtures/formats/broken/syntax-error.json: (root): invalid JSON at line 5, column 3: Expected ',' or '}' after property value");
    expect(stdout).not.toMatch(/\n\s+at /);
  });

  it('reports a path that does not exist as a problem line', async () => {
    const { code, stdout } = await cli('validate', 'nowhere.json');
    expect(code).toBe(1);
    expect(stdout).toBe('nowhere.json: (root): no such file or directory\n');
  });

  it('checks layouts against the folder given with --templates', async () => {
    const outcome = await runValidate(['campaigns'], { templates: 'test/fixtures/formats' });
    // test/fixtures/formats has no layouts/ folder: the layout check is skipped, the files are valid.
    expect(outcome.exitCode).toBe(0);
    const strict = await runValidate(['campaigns', 'test/fixtures/formats/broken/unknown-layout.json']);
    expect(strict.exitCode).toBe(1);
    expect(strict.lines).toEqual(['test/fixtures/formats/broken/unknown-layout.json: template.layout: unknown layout "poster" (templates/layouts has: greeting, newsletter, transactional)']);
  });

  it('warns about a once schedule in the past, naming the file and field, and still exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stammkunde-once-'));
    try {
      const newsletter = JSON.parse(readFileSync('campaigns/newsletter-monthly.json', 'utf8')) as Record<string, unknown>;
      delete newsletter.$schema;
      const file = join(dir, 'spring-sale.json');
      writeFileSync(file, JSON.stringify({ ...newsletter, id: 'spring-sale', schedule: { type: 'once', at: '2020-03-01T08:00:00Z' } }));
      const { code, stdout, stderr } = await cli('validate', 'campaigns', file);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const lines = stdout.trimEnd().split('\n');
      expect(lines[0]!.startsWith(`${file}: schedule.at: warning: 2020-03-01T08:00:00Z is in the past (now `)).toBe(true);
      expect(lines[0]!.endsWith('); a once schedule whose time has passed is never sent')).toBe(true);
      expect(lines[1]).toBe('valid: 13 campaigns, 5 segments, 1 reward catalog');
      const future = await runValidate(['campaigns', file], { now: new Date('2020-02-29T00:00:00Z') });
      expect(future.lines).toEqual(['valid: 13 campaigns, 5 segments, 1 reward catalog']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails when the paths hold no marketer files', async () => {
    const outcome = await runValidate(['templates/layouts']);
    expect(outcome).toEqual({ exitCode: 1, lines: ['templates/layouts: (root): no campaign, segment or reward catalog files found'] });
  });
});

describe('cli: stammkunde schema', () => {
  const out = mkdtempSync(join(tmpdir(), 'stammkunde-schema-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes the campaign, segment and reward catalog schemas', async () => {
    const { code, stdout } = await cli('schema', '--out', out);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual(['campaign.schema.json', 'segment.schema.json', 'reward-catalog.schema.json'].map((f) => `wrote ${join(out, f)}`));
    const segment = JSON.parse(readFileSync(join(out, 'segment.schema.json'), 'utf8')) as { properties: Record<string, unknown>; $defs: Record<string, unknown> };
    expect(Object.keys(segment.properties)).toEqual(['$schema', 'kind', 'id', 'name', 'description', 'rule']);
    expect(segment.$defs.SegmentRule).toBeDefined();
  });

  it('keeps the committed schemas in campaigns/schemas up to date (run `npm run stammkunde -- schema --out campaigns/schemas`)', () => {
    for (const [name, schema] of Object.entries(marketerSchemas())) {
      expect(JSON.parse(readFileSync(join('campaigns/schemas', name), 'utf8'))).toEqual(schema);
    }
  });
});
