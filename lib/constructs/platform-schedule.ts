import { Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { deployment } from '../../platform/deployment';
import { type FunctionDeclaration, functionName, functions } from '../../platform/functions';
import type { PlatformFunction } from './platform-function';

/**
 * The EventBridge rule that invokes a scheduled function (`invokedBy: 'schedule'`, platform/functions.ts)
 * every `schedule.everyMinutes`. EventBridge retries a delivery it could not make (2 attempts, within an
 * hour) and then puts the event in the function's dead-letter queue; Lambda retries a failed invocation
 * twice and then puts it there too. A lost or failed run is harmless: the next one does the same work.
 * A `primaryRegionOnly` schedule's rule is disabled in the other region (enabled by hand after a failover).
 */
export interface PlatformScheduleProps {
  readonly function: PlatformFunction;
}

export class PlatformSchedule extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: PlatformScheduleProps) {
    super(scope, id);
    const key = props.function.key;
    const declaration: FunctionDeclaration = functions[key];
    if (declaration.invokedBy !== 'schedule' || !declaration.schedule) throw new Error(`${key} is not a scheduled function`);
    this.rule = new Rule(this, 'Rule', {
      ruleName: functionName(deployment.appName, key),
      description: `Invokes ${functionName(deployment.appName, key)} every ${declaration.schedule.everyMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(declaration.schedule.everyMinutes)),
      enabled: declaration.schedule.primaryRegionOnly !== true || Stack.of(this).region === deployment.primaryRegion,
      targets: [
        new LambdaFunction(props.function.function, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          deadLetterQueue: props.function.deadLetterQueue,
        }),
      ],
    });
  }
}
