// CustomerEndpoint: the track Lambda (functions/track: unsubscribe, preferences, double opt-in,
// clicks) behind a Lambda Function URL, optionally behind CloudFront on the shop's own domain.
//
// Why a Function URL and not API Gateway: one route table lives in the Hono app already, the
// traffic is a few requests per mail, and a Function URL costs nothing beyond the invocations
// (API Gateway adds a per-request fee and a second place for routes). Cost under a scanner is
// bounded three ways: a bad token is refused before any table read, the app limits requests per
// address, and the function's reserved concurrency caps how many run at once.
// The URL has no IAM auth: mail clients (RFC 8058 one-click) and browsers call it anonymously;
// the HMAC token in the path is the authorisation. (CloudFront origin access control would need
// AWS_IAM auth, under which a POST must carry a payload hash that mail providers do not send.)
import { Duration, Fn, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { StammkundeFunction } from './stammkunde-function';
import { grantTableActions } from './stammkunde-table';
import type { ShopInfo } from './delivery-pipeline';

export interface CustomerEndpointProps {
  /** The Stammkunde table (profiles, published campaigns' link tables, clicks). */
  readonly table: dynamodb.ITable;
  /** The HMAC key the send function signs links with. */
  readonly tokenSecret: secretsmanager.ISecret;
  /** Shop name, URL, imprint and address for the pages' footer. */
  readonly shopInfo: ShopInfo;
  /**
   * Where our own events (ConsentConfirmed, ConsentWithdrawn) are put, source "stammkunde".
   * @default - no events, the customer's history only
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Topics the preference centre always lists.
   * @default ['newsletter']
   */
  readonly topics?: readonly string[];
  /**
   * Requests per client address per minute and instance.
   * @default 60
   */
  readonly requestsPerMinute?: number;
  /**
   * Serve the open pixel at /o/<token> (the send function's OPEN_PIXEL must match to embed it).
   * Off: Apple Mail Privacy Protection fetches every image on delivery, so opens mostly count proxies.
   * @default false
   */
  readonly openPixel?: boolean;
  /**
   * Instances that may run at once: the ceiling of what a link scanner can cost.
   * @default 10
   */
  readonly reservedConcurrency?: number;
  /**
   * The shop's own host name for the links (e.g. "links.shop.example"); needs `certificateArn`.
   * @default - the Function URL's host
   */
  readonly domainName?: string;
  /**
   * ACM certificate for `domainName`, in us-east-1 (CloudFront's region).
   * @default - none
   */
  readonly certificateArn?: string;
}

export class CustomerEndpoint extends Construct {
  public readonly function: StammkundeFunction;
  public readonly functionUrl: lambda.FunctionUrl;
  /** Present when a custom domain was configured. */
  public readonly distribution?: cloudfront.Distribution;
  /** https origin of the links (custom domain, or the Function URL without its trailing slash). */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: CustomerEndpointProps) {
    super(scope, id);
    if ((props.domainName === undefined) !== (props.certificateArn === undefined)) {
      throw new Error('CustomerEndpoint: domainName and certificateArn go together (a custom domain needs its ACM certificate in us-east-1)');
    }

    this.function = new StammkundeFunction(this, 'Track', {
      folder: 'track',
      description: 'Customer endpoint: one-click unsubscribe, preference centre, double opt-in confirmation, click redirects',
      timeout: Duration.seconds(10),
      memorySize: 512,
      environment: {
        TABLE_NAME: props.table.tableName,
        SHOP_INFO: JSON.stringify(props.shopInfo),
        // The signing keys are read at run time from this secret (adapters/token-keys.ts), as in send.
        TOKEN_KEYS_SECRET: props.tokenSecret.secretArn,
        TOPICS: (props.topics ?? ['newsletter']).join(','),
        REQUESTS_PER_MINUTE: String(props.requestsPerMinute ?? 60),
        OPEN_PIXEL: String(props.openPixel ?? false),
        ...(props.eventBus ? { EVENT_BUS_NAME: props.eventBus.eventBusName } : {}),
      },
    });
    const fn = this.function.fn;
    (fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = props.reservedConcurrency ?? 10;
    // Profiles (BatchGet of profile + dedup marker, conditional Put), history (Put), published
    // campaigns (Get), first clicks (conditional Put) and their counters (Update). The referral
    // program (/r, /reward): codes and referrals (Get, conditional Put), stats (Update), the reward's
    // coupon and mail (Put), and the program in force: the campaign catalog and reward catalogs
    // (Query of their partitions). No Scan, Delete or index access. The token keys: GetSecretValue
    // on that one secret.
    grantTableActions(props.table, fn, 'GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'Query');
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['secretsmanager:GetSecretValue'], resourceArns: [props.tokenSecret.secretArn] });
    props.eventBus?.grantPutEventsTo(fn);

    this.functionUrl = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE, invokeMode: lambda.InvokeMode.BUFFERED });

    if (props.domainName && props.certificateArn) {
      this.distribution = new cloudfront.Distribution(this, 'Links', {
        comment: 'Stammkunde customer endpoint on the shop domain',
        domainNames: [props.domainName],
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
        defaultBehavior: {
          origin: new origins.FunctionUrlOrigin(this.functionUrl),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          // Every page is per token and per state: nothing is cached. The viewer's address and
          // user agent reach the function (proof of confirmation, rate limit); not the Host
          // header, which the Function URL must see as its own.
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: new cloudfront.OriginRequestPolicy(this, 'ForwardViewer', {
            comment: 'Stammkunde customer endpoint: viewer address, user agent, language and form content type',
            headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('CloudFront-Viewer-Address', 'User-Agent', 'Accept-Language', 'Content-Type'),
            queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
            cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
          }),
        },
      });
      Validations.of(this.distribution).acknowledge(
        {
          id: 'AwsSolutions-CFR1',
          reason: 'Unsubscribe and consent links must work from every country a customer reads mail in; a geo restriction would keep people from unsubscribing.',
        },
        {
          id: 'AwsSolutions-CFR2',
          reason: 'Each request is authorised by an HMAC token checked before any table read, the app rate-limits per address and reserved concurrency caps cost; a WAF web ACL would add a fixed monthly fee to a near-idle endpoint.',
        },
        {
          id: 'AwsSolutions-CFR3',
          reason: 'The function logs every refused token and state change with the customer id in its own log group; CloudFront access logs would duplicate that with IP addresses of customers, which we avoid keeping.',
        },
      );
      this.url = `https://${props.domainName}`;
    } else {
      // "https://<id>.lambda-url.<region>.on.aws/" without the trailing slash.
      this.url = Fn.join('', ['https://', Fn.select(2, Fn.split('/', this.functionUrl.url))]);
    }
  }
}
