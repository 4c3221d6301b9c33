import { DynamoDbPaymentRepository } from '../adapters/dynamodb/payment-repository';
import { HttpChannelEventForwarder } from '../adapters/http/channel-event-forwarder';
import { cardChannelFromEnv } from '../adapters/channels/http-card-acquirer';
import { StepFunctionsWorkflows } from '../adapters/step-functions/workflows';
import type { CardChannel } from '../ports/card-channel';
import type { ChannelEventForwarder } from '../ports/channel-event-forwarder';
import type { PaymentRepository } from '../ports/payment-repository';
import type { CardChannelDirectory, Workflows } from '../ports/workflows';
import { stateMachineArnEnvVar } from '../../platform/state-machines';
import { dynamoDbDocumentClient, sfnClient, sfnSyncClient } from '../shared/clients';
import { awsRegion, requiredVariable, tableNameFromEnv } from '../shared/config';
import { secretBoundCache } from '../shared/secrets';
import { otherRegionApiUrls } from './region-api-urls';

/**
 * The composition root of the payments area (lambdas/wiring/, decision 0037): the payment dependencies a
 * function may need, each built on first use and once per instance, so a
 * function reads only the configuration of what it uses (its environment holds nothing more).
 */
let payments: PaymentRepository | undefined;
let workflowsInstance: Workflows | undefined;
const channel = secretBoundCache<string, CardChannel>((name) => cardChannelFromEnv(name));

export const paymentRepository = (): PaymentRepository => {
  payments ??= new DynamoDbPaymentRepository(dynamoDbDocumentClient(), tableNameFromEnv('payments'), awsRegion());
  return payments;
};

export const stateMachineArnFromEnv = (key: string): string => {
  const variable = stateMachineArnEnvVar(key);
  return requiredVariable(variable);
};

/** The workflows (platform/state-machines.ts); each state machine's ARN is read when first used. */
export const workflows = (): Workflows => {
  workflowsInstance ??= new StepFunctionsWorkflows(sfnClient(), {
    get payment() {
      return stateMachineArnFromEnv('payment');
    },
    get paymentCaptureWindow() {
      return stateMachineArnFromEnv('paymentCaptureWindow');
    },
    get refund() {
      return stateMachineArnFromEnv('refund');
    },
    get sagaRecovery() {
      return stateMachineArnFromEnv('sagaRecovery');
    },
    get payout() {
      return stateMachineArnFromEnv('payout');
    },
    get payoutWait() {
      return stateMachineArnFromEnv('payoutWait');
    },
  }, sfnSyncClient());
  return workflowsInstance;
};

/** The card channels, each built on first use and again after a secret rotation (lambdas/shared/secrets.ts). */
export const cardChannelDirectory = (): CardChannelDirectory => ({ channel });

let forwarder: ChannelEventForwarder | undefined;

/**
 * Where an acquirer's webhook for a merchant homed in the other region goes (decision 0039): the other regions'
 * merchant APIs (wiring/home-region.ts `otherRegionApiUrls`). Absent: nothing is forwarded.
 */
export const channelEventForwarder = (): ChannelEventForwarder | undefined => {
  if (forwarder) return forwarder;
  const urls = otherRegionApiUrls();
  if (!urls) return undefined;
  forwarder = new HttpChannelEventForwarder(urls, awsRegion());
  return forwarder;
};
