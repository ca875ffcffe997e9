// The `stammkunde` binary itself for the AWS commands: the default credential chain and endpoint
// settings of the SDK (AWS_ENDPOINT_URL_DYNAMODB points it at dynalite here), and errors as one
// line without a stack trace.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, startDynalite, type LocalServer } from '#local/servers';
import { campaignsFolder } from '../unit/publish-fixtures';

const run = promisify(execFile);
let dynamo: LocalServer;
beforeAll(async () => {
  dynamo = await startDynalite();
  await createTable(dynamo.endpoint, 'cli-table');
});
afterAll(() => dynamo.stop());

const cli = async (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
  const base = { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_REGION: 'eu-central-1', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/stammkunde.mjs', ...args], { encoding: 'utf8', env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe('cli: stammkunde publish, campaigns, pause', () => {
  it('publishes a folder, lists it and pauses it through the SDK default chain', async () => {
    const folder = await campaignsFolder();
    const published = await cli(['publish', folder.dir, '--table', 'cli-table']);
    expect(published.stderr).toBe('');
    expect(published.stdout).toMatch(/^table cli-table:\n {2}\+ campaign newsletter-monthly\s+new: version 1\n/);
    expect((await cli(['pause', 'newsletter-monthly', '--table', 'cli-table'])).stdout).toMatch(/^campaign newsletter-monthly paused/);
    const listed = await cli(['campaigns', '--table', 'cli-table']);
    expect(listed.stdout.split('\n')[1]).toMatch(/^newsletter-monthly\s+newsletter\s+paused\s+1\s/);
  }, 60_000);

  it('fails without --table or --stack in one line', async () => {
    const { code, stdout, stderr } = await cli(['publish', 'campaigns']);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toBe('stammkunde: give exactly one of --table <name> or --stack <name>\n');
  }, 60_000);

  it('fails naming the ways to give a region when none is set anywhere', async () => {
    const { code, stderr } = await cli(['campaigns', '--table', 'cli-table'], { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/nonexistent', AWS_PROFILE: '' });
    expect({ code, stderr }).toEqual({ code: 1, stderr: 'stammkunde: no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile\n' });
  }, 60_000);

  it('fails with one line and no stack trace when the table does not exist', async () => {
    const { code, stderr } = await cli(['campaigns', '--table', 'missing-table']);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^stammkunde: .*(non-existent|not found|Cannot do operations)/i);
  }, 60_000);
});
