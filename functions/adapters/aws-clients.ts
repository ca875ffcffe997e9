// SDK v3 clients, created once per process. One endpoint setting points them all at local
// servers (dynalite, aws-ses-v2-local); without it they talk to AWS as usual.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:4567 for dynalite; unset for AWS. */
  endpoint?: string;
  region?: string;
  /** SDK attempts per call (default 5); SES SendEmail uses 1 so a timeout never sends twice. */
  maxAttempts?: number;
  /** Gives up on a request after this long (send: one SES call must fit its deadline margin). */
  requestTimeoutMs?: number;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const base = (options: ClientOptions) => ({
  region: options.region ?? process.env.AWS_REGION ?? 'eu-central-1',
  ...(options.endpoint ? { endpoint: options.endpoint, credentials: localCredentials } : {}),
  maxAttempts: options.maxAttempts ?? 5,
  ...(options.requestTimeoutMs ? { requestHandler: { requestTimeout: options.requestTimeoutMs, connectionTimeout: Math.min(options.requestTimeoutMs, 3000) } } : {}),
});

export const createDocumentClient = (options: ClientOptions = {}): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(base(options)), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

export const createSesClient = (options: ClientOptions = {}): SESv2Client => new SESv2Client(base(options));
