// Reports as private S3 objects (functions/report/weekly.ts ReportObjects): PutObject with SSE-S3
// into the report bucket; the link is the S3 console's object page, so opening it needs an AWS
// login with read access to the bucket (the reports hold business figures, no customer data).
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportObjects } from '../report/weekly';

export interface S3ReportObjectsOptions {
  client: S3Client;
  bucket: string;
  region: string;
}

export const createS3ReportObjects = ({ client, bucket, region }: S3ReportObjectsOptions): ReportObjects => ({
  async put(key, body, contentType) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: 'AES256' }));
  },
  linkTo: (key) => `https://${region}.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${encodeURIComponent(region)}&prefix=${encodeURIComponent(key)}`,
});

/** The in-memory twin: objects by key. */
export const createMemoryReportObjects = (): ReportObjects & { objects: Map<string, { body: string; contentType: string }> } => {
  const objects = new Map<string, { body: string; contentType: string }>();
  return {
    objects,
    async put(key, body, contentType) {
      objects.set(key, { body, contentType });
    },
    linkTo: (key) => `memory://reports/${key}`,
  };
};
