import { CloudWatchPlatformAlarms } from '../adapters/cloudwatch/platform-alarms';
import { CloudWatchPlatformMetrics } from '../adapters/cloudwatch/platform-metrics';
import { StepFunctionsHomeRegionMoves } from '../adapters/step-functions/home-region-moves';
import { StepFunctionsWorkflowHistory } from '../adapters/step-functions/workflow-history';
import type { HomeRegionMoves } from '../ports/home-region-moves';
import type { PlatformAlarms } from '../ports/platform-alarms';
import type { PlatformMetrics } from '../ports/platform-metrics';
import type { WorkflowHistory } from '../ports/workflow-history';
import { cloudWatchClient, sfnClient } from '../shared/clients';
import { stateMachineArnFromEnv } from './payments';

/**
 * The composition root of the operations area (lambdas/wiring/, decision 0037): what the operator API's
 * handlers read beyond the other areas' repositories.
 */
let history: WorkflowHistory | undefined;

/** The Step Functions executions of the declared state machines (their ARNs from the function's environment). */
export const workflowHistory = (): WorkflowHistory => {
  history ??= new StepFunctionsWorkflowHistory(sfnClient(), stateMachineArnFromEnv);
  return history;
};

let moves: HomeRegionMoves | undefined;

/** The home-region move workflow (`homeRegionMove` granted StartExecution). */
export const homeRegionMoves = (): HomeRegionMoves => {
  moves ??= new StepFunctionsHomeRegionMoves(sfnClient(), stateMachineArnFromEnv('homeRegionMove'));
  return moves;
};

let metrics: PlatformMetrics | undefined;

/** The platform's CloudWatch metrics (`cloudwatch:GetMetricData`, the health route). */
export const platformMetrics = (): PlatformMetrics => {
  metrics ??= new CloudWatchPlatformMetrics(cloudWatchClient());
  return metrics;
};

let alarms: PlatformAlarms | undefined;

/** The region's CloudWatch alarms (`cloudwatch:DescribeAlarms`, the alarms route). */
export const platformAlarms = (): PlatformAlarms => {
  alarms ??= new CloudWatchPlatformAlarms(cloudWatchClient());
  return alarms;
};
