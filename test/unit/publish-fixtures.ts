// A campaigns folder in a temp directory (the example newsletter and its segment), changed per
// test, prepared the way publish prepares it.
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preparePublish } from '../../functions/compile/publish-set';
import type { PublishSet } from '#core/publish';

const root = new URL('../../campaigns/', import.meta.url);
const readJson = async (path: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(new URL(path, root), 'utf8')) as Record<string, unknown>;

export interface CampaignsFolder {
  dir: string;
  /** Rewrites the newsletter's German subject (a content change: a new version). */
  setSubject(subject: string): Promise<void>;
  write(name: string, value: unknown): Promise<void>;
  prepare(at?: Date): Promise<PublishSet>;
}

export const campaignsFolder = async (): Promise<CampaignsFolder> => {
  const dir = await mkdtemp(join(tmpdir(), 'stammkunde-publish-'));
  await mkdir(join(dir, 'segments'));
  const newsletter = await readJson('newsletter-monthly.json');
  const write = (name: string, value: unknown) => writeFile(join(dir, name), JSON.stringify(value, null, 2));
  await write('newsletter-monthly.json', newsletter);
  await write('segments/newsletter-readers.json', await readJson('segments/newsletter-readers.json'));
  return {
    dir,
    write,
    async setSubject(subject) {
      const changed = structuredClone(newsletter) as { template: { content: { de: { subject: string } } } };
      changed.template.content.de.subject = subject;
      await write('newsletter-monthly.json', changed);
    },
    async prepare(at = new Date('2026-11-01T00:00:00Z')) {
      const prepared = await preparePublish([dir], { templatesDir: 'templates', publishedAt: at });
      if (!prepared.ok) throw new Error(prepared.problems.join('\n'));
      return prepared.set;
    },
  };
};
