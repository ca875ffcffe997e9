// Builds the StammkundeStack in-process for assertion tests. Bundling is skipped
// ('aws:cdk:bundling-stacks': []) so NodejsFunction does not run esbuild on every test file;
// test/infra/send-bundle.test.ts runs esbuild itself where the bundle's content matters.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StammkundeStack, type StammkundeStackProps } from '../../infra/stacks/stammkunde-stack';

export const TEST_ENV = { account: '123456789012', region: 'eu-central-1' } as const;

export const TEST_CONFIG = {
  senderAddress: 'news@shop.example',
  senderIdentity: 'shop.example',
  publicBaseUrl: 'https://mail.shop.example',
  shopInfo: { name: 'Beispiel Shop', url: 'https://shop.example', imprint: 'Beispiel GmbH, HRB 1', address: 'Hauptstr. 1, 10115 Berlin' },
} as const satisfies Partial<StammkundeStackProps>;

export interface Synthesized {
  app: App;
  stack: StammkundeStack;
  template: Template;
}

/** An app that skips asset bundling and keeps construct paths in the template metadata. */
export const testApp = (): App => new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });

export const buildStack = (app: App, overrides: Partial<StammkundeStackProps> = {}): StammkundeStack =>
  new StammkundeStack(app, 'Stammkunde', { ...TEST_CONFIG, env: TEST_ENV, ...overrides });

export const synthStack = (overrides: Partial<StammkundeStackProps> = {}): Synthesized => {
  const app = testApp();
  const stack = buildStack(app, overrides);
  return { app, stack, template: Template.fromStack(stack) };
};

/** The logical id of the only resource of `type` whose construct path contains `pathPart`. */
export const logicalIdAt = (stack: StammkundeStack, template: Template, type: string, pathPart: string): string => {
  const ids = Object.entries(template.findResources(type))
    .filter(([, resource]) => String((resource as { Metadata?: Record<string, unknown> }).Metadata?.['aws:cdk:path'] ?? '').includes(pathPart))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} under "${pathPart}" in ${stack.stackName}, found ${ids.length}: ${ids.join(', ')}`);
  return ids[0] as string;
};
