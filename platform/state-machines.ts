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
    description: 'Recovery of a payment, refund or payout a run left unfinished, named by its id and version: runs its workflow again until it finishes, for hours',
    substitutions: {
      PaymentWorkflowArn: { stateMachine: 'payment' },
      RefundWorkflowArn: { stateMachine: 'refund' },
      PayoutWorkflowArn: { stateMachine: 'payout' },
      FlagPaymentForAttentionFunctionArn: 'flagPaymentForAttention',
      FlagPayoutForAttentionFunctionArn: 'flagPayoutForAttention',
    },
  },
  payout: {
    definitionFile: 'statemachines/payout.asl.json',
    type: 'EXPRESS',
    description:
      "Payout workflow, started synchronously by the API, the operator's review and the rail's messages: reserve and screen, convert, submit (asking the rail after an unknown outcome), settle, release",
    substitutions: {
      ReservePayoutFundsFunctionArn: 'reservePayoutFunds',
      ConvertPayoutFundsFunctionArn: 'convertPayoutFunds',
      SubmitPayoutFunctionArn: 'submitPayout',
      SettlePayoutFunctionArn: 'settlePayout',
      ReleasePayoutFundsFunctionArn: 'releasePayoutFunds',
    },
  },
  payoutWait: {
    definitionFile: 'statemachines/payout-wait.asl.json',
    type: 'STANDARD',
    description:
      "A payout's durable wait, named by its id and the wait: an operator's review decision (expiry fails the payout) or the rail's confirmation (overdue alarms); one transition while it waits",
    substitutions: {
      AwaitPayoutFunctionArn: 'awaitPayout',
      PayoutWorkflowArn: { stateMachine: 'payout' },
      FlagPayoutForAttentionFunctionArn: 'flagPayoutForAttention',
    },
  },
  settlementReconciliation: {
    definitionFile: 'statemachines/settlement-reconciliation.asl.json',
    type: 'STANDARD',
    description:
      "Reconciliation of an acquirer's settlement report, named by its channel and file: ingest it whole or refuse it, match its lines with the ledger (Map over chunks), settle what it confirms, record breaks, book the acquirer's fees",
    substitutions: {
      IngestSettlementReportFunctionArn: 'ingestSettlementReport',
      ReconcileSettlementLinesFunctionArn: 'reconcileSettlementLines',
      CompleteSettlementReconciliationFunctionArn: 'completeSettlementReconciliation',
    },
  },
  bankStatementReconciliation: {
    definitionFile: 'statemachines/bank-statement-reconciliation.asl.json',
    type: 'STANDARD',
    description:
      "Reconciliation of a bank's camt.053 statement of a platform account, named by its file: ingest it whole or refuse it, match acquirers' credits with their reports' pay-ins and payout debits and returns with the ledger, record breaks",
    substitutions: {
      IngestBankStatementFunctionArn: 'ingestBankStatement',
      ReconcileBankStatementFunctionArn: 'reconcileBankStatement',
    },
  },
  homeRegionMove: {
    definitionFile: 'statemachines/home-region-move.asl.json',
    type: 'STANDARD',
    description:
      "A planned move of a merchant's home region, named by the merchant and the marker's epoch: begin (the API refuses new money movements), drain, fence the ledger, wait for the fence to replicate, switch; called off when a step fails",
    substitutions: {
      ChangeHomeRegionFunctionArn: 'changeHomeRegion',
      CountMerchantFlightsFunctionArn: 'countMerchantFlights',
      RepairMerchantBalancesFunctionArn: 'repairMerchantBalances',
      AdoptMerchantFlightsFunctionArn: 'adoptMerchantFlights',
    },
  },
} as const satisfies Record<string, StateMachineDeclaration>;

export type StateMachineKey = keyof typeof stateMachines;

export const stateMachineKeys = Object.keys(stateMachines) as StateMachineKey[];

/**
 * The Standard state machines: the only ones Step Functions lists, keeps a history of and redrives (Express runs
 * are at most once and not redrivable: decision 0011). Operators list their failed executions and redrive them
 * (decision 0033); test/unit/platform checks the list against each declaration's `type`.
 */
export const STANDARD_STATE_MACHINES = [
  'paymentCaptureWindow',
  'sagaRecovery',
  'payoutWait',
  'settlementReconciliation',
  'homeRegionMove',
  'bankStatementReconciliation',
] as const satisfies readonly StateMachineKey[];

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
