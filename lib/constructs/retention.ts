import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** CloudWatch accepts only certain retention periods; map the configured days onto one exactly. */
export const retentionDays = (days: number): RetentionDays => {
  const match = Object.values(RetentionDays).find((value) => value === days);
  if (match === undefined) throw new Error(`${days} days is not a CloudWatch Logs retention period`);
  return match as RetentionDays;
};
