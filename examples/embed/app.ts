// The shop's CDK app (cdk.json here: `npx tsx app.ts`), checked by cdk-nag on every synth.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ShopStack } from './shop-stack';

const app = new App();
new ShopStack(app, 'ShopStack', { env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION } });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
