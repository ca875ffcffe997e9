// The CDK app (cdk.json: `npx tsx infra/bin/app.ts`): one StammkundeStack, configured from
// context values (cdk.json or `-c key=value`), checked by cdk-nag's AwsSolutions pack on synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readStackConfig } from '../stacks/config';
import { StammkundeStack } from '../stacks/stammkunde-stack';

const app = new App();
const config = readStackConfig(app);

new StammkundeStack(app, 'Stammkunde', {
  ...config,
  description: 'Stammkunde: email and campaign automation for online shops',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
