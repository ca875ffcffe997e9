// `stammkunde schema --out <dir>`: writes the JSON Schemas of every file a marketer writes, so
// editors complete and check them (each example file points at one with "$schema"). The
// committed copies live in campaigns/schemas/ (a test keeps them up to date).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import * as z from 'zod';
import { Audience, Block, Campaign, Content, CouponSpec, Occasion, Schedule, Template, Trigger, Variant } from '#core/campaign';
import { Segment, SegmentRule } from '#core/segment';
import { Reward, RewardCatalog, RewardValue } from '#core/rewards';

// Named definitions ($defs) so editors show "Block" or "SegmentRule" rather than inlining them
// everywhere. Registered in zod's global registry, where .describe() texts live too.
const named: [z.ZodType, string][] = [
  [SegmentRule, 'SegmentRule'],
  [Audience, 'Audience'],
  [Block, 'Block'],
  [Content, 'Content'],
  [Template, 'Template'],
  [Variant, 'Variant'],
  [Schedule, 'Schedule'],
  [Occasion, 'Occasion'],
  [Trigger, 'Trigger'],
  [CouponSpec, 'CouponSpec'],
  [Reward, 'Reward'],
  [RewardValue, 'RewardValue'],
];
for (const [schema, id] of named) {
  if (z.globalRegistry.get(schema)?.id === undefined) z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });
}

const describe = (schema: Record<string, unknown>, title: string, description: string) => ({ ...schema, title, description });

/** File name -> JSON Schema (draft 2020-12), in input form: fields with defaults are optional. */
export const marketerSchemas = (): Record<string, Record<string, unknown>> => ({
  'campaign.schema.json': describe(
    z.toJSONSchema(Campaign, { io: 'input' }),
    'Stammkunde campaign',
    'A campaign: kind newsletter | seasonal | triggered | discount | referral.',
  ),
  'segment.schema.json': describe(z.toJSONSchema(Segment, { io: 'input' }), 'Stammkunde segment', 'A named segment rule (kind "segment").'),
  'reward-catalog.schema.json': describe(
    z.toJSONSchema(RewardCatalog, { io: 'input' }),
    'Stammkunde reward catalog',
    'Referral rewards, rotating or selectable (kind "rewardCatalog").',
  ),
});

/** The exact text written per file (stable, so the committed copies can be compared). */
export const schemaFileText = (schema: Record<string, unknown>): string => `${JSON.stringify(schema, null, 2)}\n`;

export const writeSchemas = async (outDir: string): Promise<string[]> => {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, schema] of Object.entries(marketerSchemas())) {
    const file = join(outDir, name);
    await writeFile(file, schemaFileText(schema));
    written.push(file);
  }
  return written;
};

export const register = (program: Command): void => {
  program
    .command('schema')
    .description('write the JSON Schemas of campaign, segment and reward catalog files')
    .requiredOption('--out <dir>', 'folder to write *.schema.json into')
    .action(async (opts: { out: string }) => {
      for (const file of await writeSchemas(opts.out)) console.log(`wrote ${file}`);
    });
};
