// One way to make a handler's logger: Powertools Logger, named by POWERTOOLS_SERVICE_NAME where the
// stack sets it (stammkunde-<function>), with the same name as fallback for tests and local runs.
import { Logger } from '@aws-lambda-powertools/logger';

export const createLogger = (functionName: string): Logger =>
  new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? `stammkunde-${functionName}` });

/**
 * Whether `info` lines are written: the per-message and per-event lines build their fields only
 * then (at the default WARN level, a replay built and dropped one per event and send message).
 */
export const infoEnabled = (logger: Partial<Pick<Logger, 'getLevelName'>>): boolean => {
  // A logger without levels (a test's stand-in) gets every line, as before.
  if (typeof logger.getLevelName !== 'function') return true;
  const level = logger.getLevelName();
  return level === 'TRACE' || level === 'DEBUG' || level === 'INFO';
};
