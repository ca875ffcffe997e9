// A private bucket for files Stammkunde writes (GDPR exports, retention reports): SSE-S3, public
// access blocked, TLS only, ACLs disabled, no versions, objects under `prefix` expired after
// `expiration`, and server access logs in a second bucket kept 90 days (which does not log
// itself). Log delivery goes through a bucket policy, not the log-delivery ACL: the CDK feature
// flag is set on `scope`, so apps without it get the same buckets. Children: AccessLogs, Bucket.
import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface PrivateBucketProps {
  /** The key prefix the objects are written under (access logs use it too). */
  readonly prefix: string;
  readonly expiration: Duration;
  readonly removalPolicy: RemovalPolicy;
  /** What the bucket's access logs are of, for the acknowledgement of the log bucket's own logging. */
  readonly describedAs: string;
}

export const privateBucket = (scope: Construct, props: PrivateBucketProps): s3.Bucket => {
  scope.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  const accessLogs = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    removalPolicy: props.removalPolicy,
  });
  Validations.of(accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: `This bucket is the server access log target of ${props.describedAs}; logging the log bucket into itself or a third bucket would only log the log delivery.`,
  });
  const name = props.prefix.replace(/\/$/, '');
  return new s3.Bucket(scope, 'Bucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: false,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: props.prefix,
    lifecycleRules: [{ id: `expire-${name}`, prefix: props.prefix, expiration: props.expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    removalPolicy: props.removalPolicy,
  });
};
