import { describe, expect, it } from 'vitest';
import { readFeedbackConfig } from '../../functions/feedback/config';

describe('feedback config', () => {
  it('suppresses after 5 transient bounces by default and takes SOFT_BOUNCE_LIMIT', () => {
    expect(readFeedbackConfig({ TABLE_NAME: 't' }).SOFT_BOUNCE_LIMIT).toBe(5);
    expect(readFeedbackConfig({ TABLE_NAME: 't', SOFT_BOUNCE_LIMIT: '3' }).SOFT_BOUNCE_LIMIT).toBe(3);
  });

  it('rejects a soft-bounce limit of 0, naming the variable', () => {
    expect(() => readFeedbackConfig({ TABLE_NAME: 't', SOFT_BOUNCE_LIMIT: '0' })).toThrow(/SOFT_BOUNCE_LIMIT/);
  });
});
