// GDPR exports as private S3 objects (core/gdpr.ts ExportWriter): PutObject with server-side
// encryption (SSE-S3, or SSE-KMS when a key is given) into the export bucket, then a presigned
// GetObject link that expires after `linkSeconds` (default 15 minutes). The bucket itself is
// private, TLS-only and expires exports after 7 days (infra/constructs/stammkunde.ts).
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DEFAULT_EXPORT_LINK_SECONDS, type ExportLocation, type ExportWriter } from '#core/gdpr';

export interface S3ExportWriterOptions {
  client: S3Client;
  bucket: string;
  /** The presigned link's lifetime in seconds (default 900). */
  linkSeconds?: number;
  /** SSE-KMS with this key; SSE-S3 (AES256) without. */
  kmsKeyId?: string;
  now?: () => Date;
}

const notFound = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

export const createS3ExportWriter = ({ client, bucket, linkSeconds = DEFAULT_EXPORT_LINK_SECONDS, kmsKeyId, now = () => new Date() }: S3ExportWriterOptions): ExportWriter => {
  const link = async (key: string): Promise<ExportLocation> => {
    const expiresAt = new Date(now().getTime() + linkSeconds * 1000).toISOString();
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: 'attachment; filename="export.json"' }), { expiresIn: linkSeconds });
    return { key, url, expiresAt };
  };
  return {
    async locate(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
      return link(key);
    },
    async write(key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json; charset=utf-8',
          ...(kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId } : { ServerSideEncryption: 'AES256' }),
        }),
      );
      return link(key);
    },
  };
};
