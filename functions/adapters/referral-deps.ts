// The referral program's ports on AWS, built once per container by the ingest, track and send
// handlers alike: the referral, customer, delivery and coupon items of the one table, and our own
// events on the shop bus when it is configured.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#core/clock';
import { referralProgramSource, rewardCouponIssuer, type ReferralDeps } from '#core/referral-program';
import { triggeredCampaignSource } from '#core/triggers';
import { createDynamoReferralStore } from './dynamo-referral-store';
import { createDynamoStore } from './dynamo-store';
import { createDynamoDeliveryStore } from './dynamo-delivery-store';
import { createDynamoCouponStore } from './dynamo-coupon-store';
import { createEventBusPublisher } from './event-bus';

export const createDynamoReferralDeps = (options: { client: DynamoDBDocumentClient; tableName: string; eventBusName?: string | undefined; clock: Clock }): ReferralDeps => {
  const { client, tableName, clock } = options;
  const deliveries = createDynamoDeliveryStore({ client, tableName });
  return {
    referrals: createDynamoReferralStore({ client, tableName }),
    customers: createDynamoStore({ client, tableName }),
    program: referralProgramSource(deliveries, clock),
    deliveries,
    triggeredCampaigns: triggeredCampaignSource(deliveries, clock),
    issueCoupon: rewardCouponIssuer({ store: createDynamoCouponStore({ client, tableName }) }),
    ...(options.eventBusName ? { events: createEventBusPublisher({ client: new EventBridgeClient({}), busName: options.eventBusName }) } : {}),
    clock,
  };
};
