// A shop's own CDK stack with Stammkunde embedded: the shop's backend role may put events on the
// Stammkunde bus, and the CI role that runs `stammkunde publish --stack ShopStack` may publish.
// In a shop's repository the import reads the same: `npm install stammkunde`, then
// `import { Stammkunde } from 'stammkunde/construct'`.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { Stammkunde } from 'stammkunde/construct';

export class ShopStack extends Stack {
  public readonly stammkunde: Stammkunde;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // The shop's existing backend (here: an ECS task role) and its deployment pipeline's role.
    const backend = new iam.Role(this, 'ShopBackendRole', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    const publisher = new iam.Role(this, 'CampaignPublisherRole', { assumedBy: new iam.AccountPrincipal(this.account) });

    this.stammkunde = new Stammkunde(this, 'Stammkunde', {
      sender: 'Kaffeerösterei Beispiel <news@shop.example>',
      publicBaseUrl: 'https://mail.shop.example',
      shopInfo: {
        name: 'Kaffeerösterei Beispiel',
        url: 'https://shop.example',
        imprint: 'Kaffeerösterei Beispiel GmbH, Geschäftsführerin: Erika Musterfrau, HRB 12345 B',
        address: 'Röststraße 1, 10115 Berlin',
        email: 'service@shop.example',
      },
      createEmailIdentity: true,
    });
    this.stammkunde.grantPutEvents(backend);
    this.stammkunde.grantPublish(publisher);

    new CfnOutput(this, 'ShopBackendRoleArn', { value: backend.roleArn });
  }
}
