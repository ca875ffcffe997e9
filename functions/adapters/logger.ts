// One way to make a handler's logger: Powertools Logger, named by POWERTOOLS_SERVICE_NAME where the
// stack sets it (stammkunde-<function>), with the same name as fallback for tests and local runs.
import { Logger } from '@aws-lambda-powertools/logger';

export const createLogger = (functionName: string): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? `stammkunde-${functionName}` });
