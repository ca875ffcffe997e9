// StammkundeFunction: one Lambda from `functions/<folder>/handler.ts`, bundled with the local
// esbuild (no Docker) into an ES module for Node 24 on arm64, with the Powertools environment,
// its own log group with a retention, and a role that may write only to that log group.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The repository root: the CDK app may be started from any working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Lambda runtime of every Stammkunde function (the newest Node.js Lambda offers). */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** esbuild settings shared by NodejsFunction and the bundle-content tests (test/infra/send-bundle.test.ts). */
export const BUNDLE_FORMAT = 'esm' as const;
export const BUNDLE_MAIN_FIELDS = ['module', 'main'];
export const BUNDLE_TARGET = 'node24';
/** Minified, with a source map that NODE_OPTIONS=--enable-source-maps applies to stack traces. */
export const BUNDLE_MINIFY = true;
export const BUNDLE_SOURCE_MAP = true;

/**
 * Bundled ES modules have no `require`; a few CommonJS dependencies call it for Node built-ins.
 * This banner gives them one, as the esbuild docs suggest for ESM output with CJS dependencies.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * The esbuild options NodejsFunction passes for `functions/<folder>/handler.ts` (bundling below),
 * for tests and the bundle-size bench that run esbuild themselves.
 */
export const functionBundleOptions = (folder: string) => ({
  entryPoints: [`${PROJECT_ROOT}functions/${folder}/handler.ts`],
  absWorkingDir: PROJECT_ROOT,
  bundle: true,
  platform: 'node' as const,
  format: BUNDLE_FORMAT,
  target: BUNDLE_TARGET,
  mainFields: BUNDLE_MAIN_FIELDS,
  banner: { js: ESM_REQUIRE_BANNER },
  minify: BUNDLE_MINIFY,
  sourcemap: BUNDLE_SOURCE_MAP,
  outExtension: { '.js': '.mjs' },
  logLevel: 'silent' as const,
});

export interface StammkundeFunctionProps {
  /** The function's folder under `functions/`; its entry is `functions/<folder>/handler.ts`. */
  readonly folder: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /**
   * Environment variables, on top of the Powertools ones this construct sets.
   * @default - only POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, POWERTOOLS_METRICS_NAMESPACE, NODE_OPTIONS
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Powertools log level.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** A Node.js Lambda with Stammkunde's defaults; grant it more through `fn` (an IGrantable). */
export class StammkundeFunction extends Construct {
  public readonly fn: nodejs.NodejsFunction;
  public readonly logGroup: logs.LogGroup;
  /** The execution role; starts with write access to `logGroup` only. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: StammkundeFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An own role instead of AWSLambdaBasicExecutionRole: that managed policy lets the function
    // create and write any log group in the account; this one may write its own group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Stammkunde ${props.folder} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}functions/${props.folder}/handler.ts`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      // npm never publishes package-lock.json: installed as a shop's dependency, package.json stands in (all is bundled anyway).
      depsLockFilePath: existsSync(`${PROJECT_ROOT}package-lock.json`) ? `${PROJECT_ROOT}package-lock.json` : `${PROJECT_ROOT}package.json`,
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: `stammkunde-${props.folder}`,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: 'Stammkunde',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_TARGET,
        mainFields: BUNDLE_MAIN_FIELDS,
        banner: ESM_REQUIRE_BANNER,
        minify: BUNDLE_MINIFY,
        sourceMap: BUNDLE_SOURCE_MAP,
        // esbuild's per-file report is noise in `cdk synth --quiet`; `-c stammkunde:verboseBundling=true` shows it.
        logLevel: [true, 'true'].includes(this.node.tryGetContext('stammkunde:verboseBundling') as boolean | string) ? nodejs.LogLevel.INFO : nodejs.LogLevel.ERROR,
        // Bundle the AWS SDK too: the function then runs the SDK versions the tests ran against,
        // not whichever the Lambda runtime happens to ship.
        bundleAwsSDK: true,
      },
    });
  }
}
