// The CDK app (cdk.json: `npx tsx infra/bin/app.ts`): one StammkundeStack, configured from
// context values (cdk.json or `-c key=value`), checked by cdk-nag's AwsSolutions pack on synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStackConfig, StackConfigError, type StackConfig } from '../stacks/config';
import { StammkundeStack } from '../stacks/stammkunde-stack';

const app = new App();
let config: StackConfig;
try {
  config = readStackConfig(app);
} catch (error) {
  // A configuration mistake is the user's to fix: the key and what is wrong, not a stack trace.
  if (!(error instanceof StackConfigError)) throw error;
  for (const line of error.lines) console.error(line);
  process.exit(1);
}

new StammkundeStack(app, 'Stammkunde', {
  ...config,
  description: 'Stammkunde: email and campaign automation for online shops',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
