import { deployment } from './deployment';
import type { FunctionKey } from './functions';

/**
 * Every Step Functions state machine, declared once (docs/decisions/0011-express-and-standard-workflows.md:
 * Express for the seconds of work a merchant waits for, Standard for what takes days or must run exactly once). lib/ deploys each ASL file with
 * `DefinitionBody.fromString` and `definitionSubstitutions`; local/step-functions runs the same file
 * with the same substitutions (docs/local-step-functions.md). ASL files use JSONPath only.
 *
 * `substitutions` maps each `${Placeholder}` in the ASL to the function whose ARN fills it, so the
 * ASL never hard-codes a function name, region or account. Both sides refuse a file whose
 * placeholders and declared substitutions differ.
 */
export type StateMachineType = 'STANDARD' | 'EXPRESS';

/** What fills a `${Placeholder}`: a function (its ARN), or another declared state machine (its ARN). */
export type Substitution<Function extends string = FunctionKey> = Function | { readonly stateMachine: string };

export interface StateMachineDeclaration<Function extends string = FunctionKey> {
  /** ASL file, relative to the repository root: `statemachines/<name>.asl.json`. */
  readonly definitionFile: string;
  readonly type: StateMachineType;
  readonly description: string;
  /** `${Placeholder}` in the ASL -> the function or state machine whose ARN replaces it. */
  readonly substitutions: Readonly<Record<string, Substitution<Function>>>;
}

/** The state machine a substitution names, or undefined for a function. */
export const substitutedStateMachine = (substitution: Substitution<string>): string | undefined =>
  typeof substitution === 'string' ? undefined : substitution.stateMachine;

export const stateMachines = {
  payment: {
    definitionFile: 'statemachines/payment.asl.json',
    type: 'EXPRESS',
    description:
      'Payment workflow, started synchronously by the API: screen, authorize, capture, post (or open the capture window); release on cancel or expiry; compensations',
    substitutions: {
      ScreenPaymentFunctionArn: 'screenPayment',
      AuthorizePaymentFunctionArn: 'authorizePayment',
      OpenCaptureWindowFunctionArn: 'openCaptureWindow',
      CapturePaymentFunctionArn: 'capturePayment',
      PostCaptureToLedgerFunctionArn: 'postCaptureToLedger',
      ReleaseAuthorizationFunctionArn: 'releaseAuthorization',
      RefundCaptureFunctionArn: 'refundCapture',
      FlagPaymentForAttentionFunctionArn: 'flagPaymentForAttention',
    },
  },
  paymentCaptureWindow: {
    definitionFile: 'statemachines/payment-capture-window.asl.json',
    type: 'STANDARD',
    description: "Capture window of a manual payment, named by its id: waits for the merchant's capture or cancel; releases the authorization before it lapses",
    substitutions: {
      AwaitCaptureFunctionArn: 'awaitCapture',
      PaymentWorkflowArn: { stateMachine: 'payment' },
      FlagPaymentForAttentionFunctionArn: 'flagPaymentForAttention',
    },
  },
  refund: {
    definitionFile: 'statemachines/refund.asl.json',
    type: 'EXPRESS',
    description: 'Refund workflow, started synchronously by the API: post to the ledger, refund at the channel and complete; compensations',
    substitutions: {
      PostRefundToLedgerFunctionArn: 'postRefundToLedger',
      RefundAtChannelFunctionArn: 'refundAtChannel',
      ReverseRefundPostingFunctionArn: 'reverseRefundPosting',
      FailRefundFunctionArn: 'failRefund',
      FlagPaymentForAttentionFunctionArn: 'flagPaymentForAttention',
    },
  },
  sagaRecovery: {
    definitionFile: 'statemachines/saga-recovery.asl.json',
    type: 'STANDARD',
    description: 'Recovery of a payment or refund a run left unfinished, named by its id and version: runs its workflow again until it finishes, for hours',
    substitutions: {
      PaymentWorkflowArn: { stateMachine: 'payment' },
      RefundWorkflowArn: { stateMachine: 'refund' },
      FlagPaymentForAttentionFunctionArn: 'flagPaymentForAttention',
    },
  },
  payout: {
    definitionFile: 'statemachines/payout.asl.json',
    type: 'STANDARD',
    description:
      'One execution per payout, named by its id: reserve, screen (operator review), convert, submit to the rail, wait for its confirmation (task token), settle, listen for a return; compensations on failure, cancel or return',
    substitutions: {
      PayoutLedgerFunction: 'runPayoutLedgerStep',
      ScreenPayoutFunction: 'screenPayout',
      SubmitPayoutFunction: 'submitPayout',
      AwaitPayoutSignalFunction: 'awaitPayoutSignal',
    },
  },
} as const satisfies Record<string, StateMachineDeclaration>;

export type StateMachineKey = keyof typeof stateMachines;

export const stateMachineKeys = Object.keys(stateMachines) as StateMachineKey[];

const kebab = (key: string): string => key.replace(/([A-Z])/g, '-$1').toLowerCase();

/** State machine name in AWS and locally, e.g. `xborder-payment` for key `payment`. */
export const stateMachineName = (key: string): string => `${deployment.appName}-${kebab(key)}`;

export const stateMachineArn = (key: string, region: string, account: string): string =>
  `arn:aws:states:${region}:${account}:stateMachine:${stateMachineName(key)}`;

/** The environment variable through which a function learns a state machine's ARN, e.g. `PAYMENT_STATE_MACHINE_ARN`. */
export const stateMachineArnEnvVar = (key: string): string =>
  `${key.replace(/([A-Z])/g, '_$1').toUpperCase()}_STATE_MACHINE_ARN`;

/** The ARN a `${Placeholder}` resolves to: a Lambda function's unqualified ARN. */
export const lambdaFunctionArn = (functionName: string, region: string, account: string): string =>
  `arn:aws:lambda:${region}:${account}:function:${functionName}`;

/** The `${Placeholder}` names an ASL text uses, sorted and unique (to check them against `substitutions`). */
export const definitionPlaceholders = (definition: string): string[] =>
  [...new Set([...definition.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1] as string))].sort();
