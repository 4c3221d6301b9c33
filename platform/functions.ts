import type { EncryptionPurpose } from './keys';
import { cardChannelWebhookSecretNames, payoutRailNotificationSecretNames, payoutRailSecretNames, settlementReportSecretNames } from './channels';
import type { OperatorRole } from './operator-routes';
import type { QueueKey } from './queues';
import { STANDARD_STATE_MACHINES } from './state-machines';
import { MERCHANT_OBJECTS_INDEX, SAGA_STARTS_INDEX, type TableKey, tableEnvVar, tableName } from './tables';

/**
 * Every Lambda function, declared once: its handler module, its sizing, and exactly which DynamoDB
 * actions it may perform on which tables. lib/ builds one NodejsFunction with its own role from each
 * entry and grants only these actions; local/ loads the same module with the same environment.
 */
export type DynamoDbAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem'
  | 'dynamodb:BatchWriteItem'
  /** Only for a small table read whole (the recovery sweeper's list of merchants). */
  | 'dynamodb:Scan';

/** What a function may do with a queue of platform/queues.ts (resource: that queue's ARN). */
export type QueueAction = 'sqs:SendMessage' | 'sqs:ChangeMessageVisibility';

/**
 * A Lambda event filter pattern (the `FilterCriteria` syntax) on a DynamoDB stream record: records that
 * match none of a table's patterns never invoke the function (in AWS they are not even billed).
 */
export type StreamFilterPattern = Readonly<Record<string, unknown>>;

/**
 * The DynamoDB streams (NEW_AND_OLD_IMAGES, every table has one: global tables need them) that invoke a
 * `stream` function. lib/ builds one event source mapping per table; local/streams.ts polls DynamoDB Local's
 * Streams API with the same batch settings and filters.
 */
export interface StreamSubscription {
  readonly tables: Partial<Record<TableKey, readonly StreamFilterPattern[]>>;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /**
   * Each region's stream carries the writes of both regions (replication writes too), so the function runs
   * on the primary region's streams only, and every change is handled once (docs/decisions/0016).
   */
  readonly primaryRegionOnly: boolean;
  /**
   * What the mapping does with a batch the function fails on (lib/ builds it; local/streams.ts does the same):
   * split it in two and retry each half, first half first (`bisectBatchOnError`), each record invoked at most
   * `retryAttempts` times after its first, then its description (shard and sequence numbers, never the record)
   * goes to the mapping's on-failure queue and the shard goes on.
   */
  readonly onFunctionError: { readonly bisectBatchOnError: boolean; readonly retryAttempts: number };
}

/**
 * What a function may do with the KMS keys (platform/keys.ts). lib/ grants exactly these actions, and
 * only for these purposes (`kms:EncryptionContext:purpose`), with the merchant id required in the
 * context. Only the function that talks to the channel or rail may decrypt.
 */
export interface KmsDeclaration {
  /** kms:GenerateDataKey on the data key: all the Encryption SDK's encrypt path needs (one keyring, no Encrypt). */
  readonly encrypt?: readonly EncryptionPurpose[];
  /** kms:Decrypt on the data key. */
  readonly decrypt?: readonly EncryptionPurpose[];
  /** kms:GenerateMac on the fingerprint key: derives the keyed-fingerprint key once per cold start. */
  readonly fingerprint?: boolean;
}

/** What a function may do with a state machine (resource: that state machine's ARN, or its executions'). */
export type StateMachineAction =
  | 'states:StartExecution'
  | 'states:StartSyncExecution'
  | 'states:DescribeExecution'
  | 'states:SendTaskSuccess'
  | 'states:SendTaskFailure'
  /** Resource: the state machine's ARN. */
  | 'states:ListExecutions'
  /** Resource: the state machine's executions (`execution:<name>:*` and `express:<name>:*`), granted by lib/. */
  | 'states:GetExecutionHistory'
  /** Resource: the state machine's Standard executions (`execution:<name>:*`; Express runs are never redriven), granted by lib/. */
  | 'states:RedriveExecution';

/** A function that draws from the account's shared concurrency pool (see `reservedConcurrency`). */
export const UNRESERVED = 'unreserved';

export interface FunctionDeclaration {
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Concurrency reserved for (and capping) this function in each region, or `'unreserved'`: it draws from
   * the account's shared pool (what the reservations leave of the quota). The money path (payments, refunds,
   * payouts and conversions: their create routes, saga tasks and counterparties' webhooks) is unreserved:
   * slicing it into fixed reservations capped a region at about 110 payments/s on one slice while the rest
   * sat idle, and the sum of slices sized for 1,000 payments/s does not fit a 1,000 quota. Everything else
   * is capped, so reads, key management, operators, queue and stream consumers and schedules can never take
   * the pool from the money path: it keeps at least the quota minus the reservations (decision 0029). The
   * money path's own bound is upstream: API Gateway's stage and method throttles and the WAF's per-IP rate
   * rules. The reservations' sum must leave the pool at least 750 of a default 1,000 quota
   * (test/infra/security-gates.test.ts); the bench reports the pool's ceiling (`lambda_unreserved_pool`).
   */
  readonly reservedConcurrency: number | typeof UNRESERVED;
  /**
   * Who invokes it. API Gateway and Step Functions invoke synchronously: the caller gets the error (API
   * Gateway answers 5xx, Step Functions retries or catches), so there is nothing for a dead-letter queue
   * to catch. A `schedule` function is invoked asynchronously by an EventBridge rule (`schedule`), with
   * retries and a dead-letter queue (lib/constructs/platform-schedule.ts); locally the runtime invokes it
   * on an interval (local/schedules.ts).
   */
  readonly invokedBy: 'api-gateway' | 'step-functions' | 'schedule' | 'stream' | 'queue' | 'function-url';
  /**
   * For `invokedBy: 'function-url'`: the MCP server's tools (lambdas/adapters/mcp/) behind an IAM-authorized
   * Lambda function URL, calling the operator API as this operator role with the function's own execution
   * role (docs/decisions/0045-mcp-server-in-aws.md). lib/ names that role `xborder-mcp-<role>-<region>`
   * (platform/operator-routes.ts `mcpFunctionRoleName`), grants it execute-api:Invoke on exactly the tools'
   * routes of the role (`mcpRoutesOf`), and lets only the operator role of the same name invoke the URL.
   */
  readonly mcpServer?: { readonly role: OperatorRole };
  /** For `invokedBy: 'stream'`: the table streams that invoke it. */
  readonly streams?: StreamSubscription;
  /** For `invokedBy: 'queue'`: the queue (platform/queues.ts) whose messages invoke it. */
  readonly consumes?: QueueKey;
  /** Queues the function sends to (or hides messages of), learning each URL from `<KEY>_QUEUE_URL`. */
  readonly queues?: Partial<Record<QueueKey, readonly QueueAction[]>>;
  /** For `invokedBy: 'schedule'`: how often it runs in AWS. */
  readonly schedule?: {
    readonly everyMinutes: number;
    /**
     * Enabled in the primary region only (the rule exists, disabled, in the other: an operator enables it after
     * losing the primary, docs/runbooks.md): for work both regions would otherwise do twice on the same input.
     */
    readonly primaryRegionOnly?: boolean;
    /**
     * Not invoked by the local runtime's schedules: the named module of local/ does the same work there, with
     * the same use case, more often than a schedule could (the payout-rail bridge reads Meridian's inbox every
     * 200 ms, so local payouts confirm in well under a second).
     */
    readonly localStandIn?: string;
  };
  readonly tables: Partial<Record<TableKey, readonly DynamoDbAction[]>>;
  /**
   * Narrows `dynamodb:Query` on a table to these of its indexes (not the table, not its other indexes).
   * Without it, Query is granted on the table and all its indexes.
   */
  readonly queryIndexes?: Partial<Record<TableKey, readonly string[]>>;
  /**
   * Actions on a global table's replica in the deployment's other region (lib/ grants them on that region's
   * table ARN; locally both regions are one DynamoDB Local). Only the home-region move reads there.
   */
  readonly otherRegionTables?: Partial<Record<TableKey, readonly DynamoDbAction[]>>;
  /**
   * Sends what it cannot apply here to the merchant's home region's own API (decision 0039): lib/ sets
   * REGION_API_URLS (each region's regional API base URL) when the deployment knows them (`regionalApiUrls`).
   */
  readonly forwardsToHomeRegion?: true;
  readonly kms?: KmsDeclaration;
  /**
   * State machines (keys of platform/state-machines.ts) the function drives, and exactly how. It learns
   * each one's ARN from `<KEY>_STATE_MACHINE_ARN` (set by lib/ in AWS and by local/runtime.ts locally).
   */
  readonly stateMachines?: Readonly<Record<string, readonly StateMachineAction[]>>;
  /**
   * Reads the platform's CloudWatch metrics: `cloudwatch:GetMetricData`, which has no resource-level permission,
   * so it is granted on `*` (read-only; platform/function-grants.ts `metricGrantStatements`). Only the operator
   * API's health route (decision 0041).
   */
  readonly readsMetrics?: boolean;
  /**
   * Reads the state of the region's alarms: `cloudwatch:DescribeAlarms`, which a listing by name prefix asks for
   * on `alarm:*` (the prefix is no resource), so it is granted on this region's and account's alarms only
   * (platform/function-grants.ts `alarmGrantStatements`). Only the operator API's alarms route (decision 0050).
   */
  readonly readsAlarms?: boolean;
  /**
   * Talks to the card channels (platform/channels.ts): gets `<CHANNEL>_URL` and the secret
   * `<CHANNEL>_API_KEY` for each (see `secrets`).
   */
  readonly cardChannels?: boolean;
  /**
   * Reads acquirers' settlement reports and the bank's statements over SFTP (decisions 0028, 0032): gets `SETTLEMENT_SFTP_URL`
   * (platform/channels.ts) and the secrets `SETTLEMENT_SFTP_PRIVATE_KEY`, `SETTLEMENT_SFTP_HOST_KEY`.
   */
  readonly settlementReports?: boolean;
  /** Submits to the payout rails: gets their endpoints (platform/channels.ts `payoutRailEndpoints`). */
  readonly payoutRails?: boolean;
  /**
   * Secrets the function reads, by environment variable name. Locally the variable holds the value; in
   * AWS the function gets `<NAME>_SECRET_ARN` and GetSecretValue on that Secrets Manager secret only, and
   * loads it at cold start (lambdas/shared/secrets.ts).
   */
  readonly secrets?: readonly string[];
}

const read = ['dynamodb:GetItem'] as const;
const idempotencyStore = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
/** The Idempotency-Key record written once, with the answer (guardsDuplicates, decision record 0048): read, then one Put. */
const idempotencyWrittenOnce = ['dynamodb:GetItem', 'dynamodb:PutItem'] as const;

/**
 * What a function posting to the ledger needs (the saga's ledger tasks): a position's journal is a Query,
 * the home marker a GetItem, balance shards BatchGetItem/Query; the write is PutItem (+ UpdateItem of
 * balance shards in the same transaction: IAM has no separate transaction actions).
 */
export const ledgerPostingActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/** A workflow step's payment changes: a consistent read, then a conditional write of payment + event. */
const paymentSteps = ['dynamodb:GetItem', 'dynamodb:PutItem'] as const;
/**
 * Discarding a card hold: a conditional update that removes its ciphertext (no key needed). Screening's card
 * velocity counter, in the same table, is an UpdateItem too.
 */
const cardHoldDiscard = ['dynamodb:UpdateItem'] as const;
/**
 * What a function appending to the audit log needs: the chain's last entry (Query) and one conditional
 * PutItem per entry. Never UpdateItem or DeleteItem: the log is append-only (test/infra checks that no
 * function holds them on the audit table).
 */
export const auditAppendActions = ['dynamodb:Query', 'dynamodb:PutItem'] as const;

/**
 * Listing a merchant's payments, refunds and payouts in flight (the home-region move's Drain and AdoptFlights):
 * its list indexes and the saga-starts shards, then the objects by key.
 */
const merchantFlightReads = {
  tables: {
    payments: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
    payouts: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  },
  queryIndexes: { payments: [MERCHANT_OBJECTS_INDEX, SAGA_STARTS_INDEX], payouts: [MERCHANT_OBJECTS_INDEX, SAGA_STARTS_INDEX] },
} as const;

/** The same actions on every Standard state machine (the operators' failed-execution list and redrive, decision 0033). */
const onStandardStateMachines = (actions: readonly StateMachineAction[]): Readonly<Record<string, readonly StateMachineAction[]>> =>
  Object.fromEntries(STANDARD_STATE_MACHINES.map((machine) => [machine, actions]));

export const functions = {
  authorizeMerchant: {
    entry: 'lambdas/handlers/api/authorize-merchant.ts',
    description: 'API Gateway request authorizer: resolves a merchant from its secret API key',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: { merchants: read },
  },
  createPayment: {
    entry: 'lambdas/handlers/api/create-payment.ts',
    description: 'POST /v1/payments: holds the card for its authorization, stores the payment, runs its workflow (Express, synchronously)',
    memoryMb: 512,
    // Under API Gateway's 29 s: the handler stops waiting for the workflow 2 s before this and answers.
    timeoutSeconds: 27,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: {
      payments: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      idempotency: idempotencyWrittenOnce,
      // Put the hold, read it back on a retry; UpdateItem discards a hold a retry wrote in vain or a screening
      // declined (create-payment.ts), and adds the payment to its card's velocity counter.
      cardHolds: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      audit: auditAppendActions,
      // The home-region marker: refused outside the merchant's home before anything is written (decision 0024).
      ledger: ['dynamodb:GetItem'],
      // Screening in the payment's first write (decision 0038), as screenPayment: routing reads the candidate
      // channels' health (cached about a second), the merchant's routing settings and risk rule set (cached 30 s).
      channelHealth: ['dynamodb:BatchGetItem'],
      merchants: ['dynamodb:GetItem'],
    },
    kms: { encrypt: ['card'], fingerprint: true },
    stateMachines: { payment: ['states:StartSyncExecution'], sagaRecovery: ['states:StartExecution'] },
  },
  getPayment: {
    entry: 'lambdas/handlers/api/get-payment.ts',
    description: 'GET /v1/payments/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payments: read },
  },
  listPayments: {
    entry: 'lambdas/handlers/api/list-payments.ts',
    description: 'GET /v1/payments',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    // The list index's keys (Query on merchant-objects only), then the payments by key (BatchGetItem).
    tables: { payments: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] },
    queryIndexes: { payments: [MERCHANT_OBJECTS_INDEX] },
  },
  getBalance: {
    entry: 'lambdas/handlers/api/get-balance.ts',
    description: 'GET /v1/balances',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { ledger: ['dynamodb:Query'] },
  },
  listBalanceTransactions: {
    entry: 'lambdas/handlers/api/list-balance-transactions.ts',
    description: 'GET /v1/balance_transactions',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { ledger: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  balanceTransactionsReport: {
    entry: 'lambdas/handlers/api/balance-transactions-report.ts',
    description: 'GET /v1/reports/balance_transactions (CSV)',
    // Up to 10,000 lines read 100 a page: more time and memory than one list page, within API Gateway's 29 s.
    memoryMb: 512,
    timeoutSeconds: 25,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    // The statement index and each line's position history (Query only: a report has no cursor to look up).
    tables: { ledger: ['dynamodb:Query'] },
  },
  screenPayment: {
    entry: 'lambdas/handlers/tasks/screen-payment.ts',
    description: 'Payment workflow: risk screening and routing',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    // cardHolds UpdateItem: the card's velocity counter, and the discard of a declined payment's hold.
    // channelHealth BatchGetItem: routing reads every candidate channel's health (cached about a second);
    // merchants GetItem: the merchant's routing settings and risk rule set (each cached 30 s).
    tables: { payments: paymentSteps, cardHolds: cardHoldDiscard, channelHealth: ['dynamodb:BatchGetItem'], merchants: ['dynamodb:GetItem'] },
  },
  authorizePayment: {
    entry: 'lambdas/handlers/tasks/authorize-payment.ts',
    description: 'Payment saga: authorize at the channel (the only function that decrypts card holds)',
    memoryMb: 512,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    // channelHealth UpdateItem: the answers counted, sent in batches every few seconds, and a breaker's change.
    // ledger GetItem: the home-region marker, checked before an automatic payment's sale captures (decisions 0024, 0053).
    tables: { payments: paymentSteps, cardHolds: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], channelHealth: ['dynamodb:UpdateItem'], ledger: read },
    kms: { decrypt: ['card'] },
    cardChannels: true,
  },
  awaitCapture: {
    entry: 'lambdas/handlers/tasks/await-capture.ts',
    description: "Capture window: stores the task token the merchant's capture or cancel answers",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps },
    stateMachines: { paymentCaptureWindow: ['states:SendTaskSuccess'] },
  },
  openCaptureWindow: {
    entry: 'lambdas/handlers/tasks/open-capture-window.ts',
    description: 'Payment workflow: starts the capture window of a manual payment, marks it requires_capture',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps },
    stateMachines: { paymentCaptureWindow: ['states:StartExecution'] },
  },
  capturePayment: {
    entry: 'lambdas/handlers/tasks/capture-payment.ts',
    description: 'Payment workflow: capture at the channel',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    // ledger GetItem: the home-region marker, checked before the channel captures (decision 0024).
    tables: { payments: read, ledger: read },
    cardChannels: true,
  },
  postCaptureToLedger: {
    entry: 'lambdas/handlers/tasks/post-capture-to-ledger.ts',
    description: 'Payment workflow: post the capture to the ledger and complete the payment',
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps, ledger: ledgerPostingActions, merchants: read },
  },
  releaseAuthorization: {
    entry: 'lambdas/handlers/tasks/release-authorization.ts',
    description: 'Payment workflow: void the authorization (cancel, expiry, compensation) and end the payment',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps, cardHolds: cardHoldDiscard },
    cardChannels: true,
  },
  refundCapture: {
    entry: 'lambdas/handlers/tasks/refund-capture.ts',
    description: 'Payment workflow compensation: refund the capture at the channel, fail the payment',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps },
    cardChannels: true,
  },
  reverseRefundPosting: {
    entry: 'lambdas/handlers/tasks/reverse-refund-posting.ts',
    description: "Refund workflow compensation: reverse the refund's ledger posting",
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { ledger: ledgerPostingActions },
  },
  flagPaymentForAttention: {
    entry: 'lambdas/handlers/tasks/flag-payment-for-attention.ts',
    description: 'Workflows: a compensation was refused or a recovery gave up; mark requires_attention, alarm',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    // cardHolds UpdateItem: the discard of a hold its final payment will never use (flag-payment-for-attention.ts).
    tables: { payments: paymentSteps, cardHolds: cardHoldDiscard },
  },
  postRefundToLedger: {
    entry: 'lambdas/handlers/tasks/post-refund-to-ledger.ts',
    description: 'Refund workflow: post the refund to the ledger',
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: read, ledger: ledgerPostingActions },
  },
  refundAtChannel: {
    entry: 'lambdas/handlers/tasks/refund-at-channel.ts',
    description: 'Refund workflow: refund at the channel and complete the refund',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps },
    cardChannels: true,
  },
  failRefund: {
    entry: 'lambdas/handlers/tasks/fail-refund.ts',
    description: 'Refund workflow: fail the refund and release its reservation',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payments: paymentSteps },
  },
  requestPaymentCapture: {
    entry: 'lambdas/handlers/api/request-payment-capture.ts',
    description: 'POST /v1/payments/{id}/capture: records the request, runs the payment workflow, closes the capture window',
    memoryMb: 256,
    timeoutSeconds: 27,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    // ledger GetItem: the home-region marker (decision 0024).
    tables: { payments: paymentSteps, idempotency: idempotencyStore, audit: auditAppendActions, ledger: read },
    stateMachines: { payment: ['states:StartSyncExecution'], paymentCaptureWindow: ['states:SendTaskSuccess'], sagaRecovery: ['states:StartExecution'] },
  },
  requestPaymentCancel: {
    entry: 'lambdas/handlers/api/request-payment-cancel.ts',
    description: 'POST /v1/payments/{id}/cancel: records the request, runs the payment workflow, closes the capture window',
    memoryMb: 256,
    timeoutSeconds: 27,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: { payments: paymentSteps, idempotency: idempotencyStore, audit: auditAppendActions },
    stateMachines: { payment: ['states:StartSyncExecution'], paymentCaptureWindow: ['states:SendTaskSuccess'], sagaRecovery: ['states:StartExecution'] },
  },
  createRefund: {
    entry: 'lambdas/handlers/api/create-refund.ts',
    description: 'POST /v1/refunds: reserves the amount on the payment, runs the refund workflow',
    memoryMb: 256,
    timeoutSeconds: 27,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    // ledger GetItem: the home-region marker (decision 0024).
    tables: { payments: paymentSteps, idempotency: idempotencyStore, audit: auditAppendActions, ledger: read },
    stateMachines: { refund: ['states:StartSyncExecution'], sagaRecovery: ['states:StartExecution'] },
  },
  getRefund: {
    entry: 'lambdas/handlers/api/get-refund.ts',
    description: 'GET /v1/refunds/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payments: read },
  },
  listRefunds: {
    entry: 'lambdas/handlers/api/list-refunds.ts',
    description: 'GET /v1/refunds',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    // The refund list index's keys (Query on merchant-objects only), then the refunds by key; a cursor or a
    // `payment` filter is one GetItem (a payment's refunds are named in its timeline).
    tables: { payments: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] },
    queryIndexes: { payments: [MERCHANT_OBJECTS_INDEX] },
  },
  listPaymentEvents: {
    entry: 'lambdas/handlers/api/list-payment-events.ts',
    description: 'GET /v1/payments/{id}/events',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payments: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  receiveChannelEvent: {
    entry: 'lambdas/handlers/api/receive-channel-event.ts',
    description: 'POST /v1/channel_events/{channel}: signed acquirer webhooks (settlements)',
    memoryMb: 256,
    timeoutSeconds: 15,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: { ledger: ledgerPostingActions, reconciliation: ['dynamodb:PutItem'] },
    cardChannels: true,
    secrets: cardChannelWebhookSecretNames(),
    // An event about a merchant homed in the other region goes on to that region's endpoint (decision 0039).
    forwardsToHomeRegion: true,
  },
  getOpenApiDocument: {
    entry: 'lambdas/handlers/api/get-openapi-document.ts',
    description: 'GET /v1/openapi.json: the merchant API as OpenAPI 3.1, generated from the contracts (no API key)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: {},
  },
  rejectUnknownMethod: {
    entry: 'lambdas/handlers/api/reject-unknown-method.ts',
    description: 'ANY fallback on every API resource: 405 with the allowed methods',
    memoryMb: 128,
    timeoutSeconds: 3,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: {},
  },
  createApiKey: {
    entry: 'lambdas/handlers/api/create-api-key.ts',
    description: 'POST /v1/api_keys',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: {
      merchants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      idempotency: idempotencyStore,
      audit: auditAppendActions,
    },
  },
  getRiskRules: {
    entry: 'lambdas/handlers/api/get-risk-rules.ts',
    description: 'GET /v1/risk_rules',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem'] },
  },
  setRiskRules: {
    entry: 'lambdas/handlers/api/set-risk-rules.ts',
    description: 'POST /v1/risk_rules',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], idempotency: idempotencyStore, audit: auditAppendActions },
  },
  listApiKeys: {
    entry: 'lambdas/handlers/api/list-api-keys.ts',
    description: 'GET /v1/api_keys',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  revokeApiKey: {
    entry: 'lambdas/handlers/api/revoke-api-key.ts',
    description: 'POST /v1/api_keys/{id}/revoke',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: {
      merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      idempotency: idempotencyStore,
      audit: auditAppendActions,
    },
  },
  getRoutingRules: {
    entry: 'lambdas/handlers/api/get-routing-rules.ts',
    description: "GET /v1/routing_rules: the merchant's routing rules in force",
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem'] },
  },
  setRoutingRules: {
    entry: 'lambdas/handlers/api/set-routing-rules.ts',
    description: "POST /v1/routing_rules: the merchant's routing rules, stored as the next version",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    // UpdateItem: the profile's rule set, conditional on the version read.
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], idempotency: idempotencyStore, audit: auditAppendActions },
  },
  opsOnboardMerchant: {
    entry: 'lambdas/handlers/ops/onboard-merchant.ts',
    description: 'Operator API: POST /v1/merchants (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsGetMerchant: {
    entry: 'lambdas/handlers/ops/get-merchant.ts',
    description: 'Operator API: GET /v1/merchants/{id} (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  opsCreateApiKey: {
    entry: 'lambdas/handlers/ops/create-api-key.ts',
    description: 'Operator API: POST /v1/merchants/{id}/api_keys (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsRevokeApiKey: {
    entry: 'lambdas/handlers/ops/revoke-api-key.ts',
    description: 'Operator API: POST /v1/merchants/{id}/api_keys/{key_id}/revoke (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsSetPayoutLimits: {
    entry: 'lambdas/handlers/ops/set-payout-limits.ts',
    description: "Operator API: POST /v1/merchants/{id}/payout_limits, the merchant's own payout limits in a currency (ops_admin)",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsGetRiskRules: {
    entry: 'lambdas/handlers/ops/get-risk-rules.ts',
    description: "Operator API: GET /v1/merchants/{id}/risk_rules, the merchant's risk rule set in force (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem'] },
  },
  opsSetRiskRules: {
    entry: 'lambdas/handlers/ops/set-risk-rules.ts',
    description: "Operator API: POST /v1/merchants/{id}/risk_rules, the merchant's risk rule set as its next version (ops_admin)",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsGetRoutingRules: {
    entry: 'lambdas/handlers/ops/get-routing-rules.ts',
    description: "Operator API: GET /v1/merchants/{id}/routing_rules, the merchant's routing rules in force (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem'] },
  },
  opsSetRoutingRules: {
    entry: 'lambdas/handlers/ops/set-routing-rules.ts',
    description: "Operator API: POST /v1/merchants/{id}/routing_rules, the merchant's routing rules as the next version (ops_admin)",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsListAuditEntries: {
    entry: 'lambdas/handlers/ops/list-audit-entries.ts',
    description: 'Operator API: GET /v1/merchants/{id}/audit_entries (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { audit: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'] },
  },
  opsVerifyAuditChains: {
    entry: 'lambdas/handlers/ops/verify-audit-chains.ts',
    description: 'Operator API: GET /v1/merchants/{id}/audit_verification (ops_viewer)',
    memoryMb: 512,
    // API Gateway's integration limit; longer chains are verified with `npm run audit:verify`.
    timeoutSeconds: 29,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { audit: ['dynamodb:Query'] },
  },
  opsVerifyLedger: {
    entry: 'lambdas/handlers/ops/verify-ledger.ts',
    description: "Operator API: GET /v1/ledger/verification, the ledger verifier over this region's ledger table (ops_viewer)",
    // The whole table in memory, as `npm run ledger:verify` holds it; larger ledgers answer complete: false after 20 s.
    memoryMb: 1024,
    // API Gateway's integration limit; the scan stops at 20 s and says so.
    timeoutSeconds: 29,
    // One at a time: each run reads the whole table (decision 0030).
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { ledger: ['dynamodb:Scan'] },
  },
  opsGetHealth: {
    entry: 'lambdas/handlers/ops/get-health.ts',
    description: "Operator API: GET /v1/health, the region's payments/s, authorization rate, latency and errors from CloudWatch metrics (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 10,
    // A console panel refreshes every 10 s: two operators' panels at once need no more than two.
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: {},
    readsMetrics: true,
  },
  opsListAlarms: {
    entry: 'lambdas/handlers/ops/list-alarms.ts',
    description: "Operator API: GET /v1/alarms, the region's alarms with their state, since when, why and the runbook section (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 10,
    // A console panel and an agent now and then: two at once is plenty.
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: {},
    readsAlarms: true,
  },
  opsStartHomeRegionMove: {
    entry: 'lambdas/handlers/ops/start-home-region-move.ts',
    description: "Operator API: POST /v1/merchants/{id}/home_region_moves, starts the merchant's home-region move workflow (ops_admin)",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    // merchants GetItem: the merchant exists; ledger GetItem: the marker, to refuse a move to the current home or while one is under way.
    tables: { merchants: read, ledger: read, audit: auditAppendActions },
    stateMachines: { homeRegionMove: ['states:StartExecution'] },
  },
  changeHomeRegion: {
    entry: 'lambdas/handlers/tasks/change-home-region.ts',
    description: "Home-region move: the marker steps (begin, fence, await replication, switch, call off), each an epoch compare-and-set",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'step-functions',
    // The marker's copies: read one (GetItem), write all in one transaction (PutItem with a condition).
    tables: { ledger: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
    // AwaitReplication reads the marker in the other region's replica of the global table.
    otherRegionTables: { ledger: ['dynamodb:GetItem'] },
  },
  repairMerchantBalances: {
    entry: 'lambdas/handlers/tasks/repair-merchant-balances.ts',
    description: "Forced home-region move, step RepairBalances: the merchant's balance items recomputed from its journal while its ledger is fenced, audited (decision 0039)",
    // The merchant's journal is found by a scan of the whole table (no index lists it): memory and time for that.
    memoryMb: 1024,
    timeoutSeconds: 300,
    reservedConcurrency: 1,
    invokedBy: 'step-functions',
    // Scan: the journal; Query: the balance partitions; UpdateItem: a compare-and-set of a balance item's amounts.
    tables: { ledger: ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  adoptMerchantFlights: {
    entry: 'lambdas/handlers/tasks/adopt-merchant-flights.ts',
    description: "Forced home-region move, step AdoptFlights: starts here the recovery of each of the merchant's flights the lost region began (decision 0039)",
    memoryMb: 256,
    timeoutSeconds: 60,
    reservedConcurrency: 2,
    invokedBy: 'step-functions',
    // The drain's reads (list indexes, saga-starts shards), and StartExecution of the recovery.
    ...merchantFlightReads,
    stateMachines: { sagaRecovery: ['states:StartExecution'] },
  },
  countMerchantFlights: {
    entry: 'lambdas/handlers/tasks/count-merchant-flights.ts',
    description: "Home-region move, step Drain: the merchant's payments, refunds and payouts in flight (list indexes, saga-starts shards)",
    memoryMb: 256,
    timeoutSeconds: 60,
    reservedConcurrency: 2,
    invokedBy: 'step-functions',
    ...merchantFlightReads,
  },
  opsGetPayment: {
    entry: 'lambdas/handlers/ops/get-payment.ts',
    description: 'Operator API: GET /v1/payments/{id} across merchants (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payments: ['dynamodb:GetItem'] },
  },
  opsListPayments: {
    entry: 'lambdas/handlers/ops/list-payments.ts',
    description: "Operator API: GET /v1/payments, a merchant's payments newest first, by status, or the risk review queue (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    // The list index gives ids; the payments themselves are read in batches (BatchGetItem).
    tables: { payments: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] },
  },
  opsReviewPayment: {
    entry: 'lambdas/handlers/ops/review-payment.ts',
    description: 'Operator API: POST /v1/payments/{id}/review, the decision on a payment risk screening sent to review; a refund runs the refund workflow (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 27,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    // ledger GetItem: the home-region marker before a refund (decision 0024).
    tables: { payments: paymentSteps, audit: auditAppendActions, ledger: read },
    stateMachines: { refund: ['states:StartSyncExecution'], sagaRecovery: ['states:StartExecution'] },
  },
  opsListPaymentEvents: {
    entry: 'lambdas/handlers/ops/list-payment-events.ts',
    description: "Operator API: GET /v1/payments/{id}/events, any payment's timeline (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payments: read },
  },
  opsListPaymentLedgerTransactions: {
    entry: 'lambdas/handlers/ops/list-payment-ledger-transactions.ts',
    description: "Operator API: GET /v1/payments/{id}/ledger_transactions, the journal transactions of a payment's position (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payments: read, ledger: ['dynamodb:Query'] },
  },
  opsListPaymentExecutions: {
    entry: 'lambdas/handlers/ops/list-payment-executions.ts',
    description: "Operator API: GET /v1/payments/{id}/executions, a payment's workflow executions with the path each took (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 15,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payments: read },
    stateMachines: {
      payment: ['states:ListExecutions', 'states:GetExecutionHistory'],
      paymentCaptureWindow: ['states:ListExecutions', 'states:GetExecutionHistory'],
      sagaRecovery: ['states:ListExecutions', 'states:GetExecutionHistory'],
    },
  },
  opsListFailedExecutions: {
    entry: 'lambdas/handlers/ops/list-failed-executions.ts',
    description: 'Operator API: GET /v1/executions, the Standard workflow executions that failed within the redrive window, with their paths (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 15,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: {},
    stateMachines: onStandardStateMachines(['states:ListExecutions', 'states:GetExecutionHistory']),
  },
  opsRedriveExecution: {
    entry: 'lambdas/handlers/ops/redrive-execution.ts',
    description: 'Operator API: POST /v1/executions/redrive, RedriveExecution of a failed Standard workflow execution, audited (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { audit: auditAppendActions },
    stateMachines: onStandardStateMachines(['states:GetExecutionHistory', 'states:RedriveExecution']),
  },
  createFxQuote: {
    entry: 'lambdas/handlers/api/create-fx-quote.ts',
    description: 'POST /v1/fx/quotes',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: { fx: ['dynamodb:GetItem', 'dynamodb:PutItem'], idempotency: idempotencyWrittenOnce, audit: auditAppendActions },
  },
  getFxQuote: {
    entry: 'lambdas/handlers/api/get-fx-quote.ts',
    description: 'GET /v1/fx/quotes/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { fx: read },
  },
  createConversion: {
    entry: 'lambdas/handlers/api/create-conversion.ts',
    description: 'POST /v1/conversions',
    memoryMb: 512,
    timeoutSeconds: 15,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: {
      // The quote's claim and its release are UpdateItems; the conversion one conditional PutItem (decision record 0052),
      // in its posting's TransactWriteItems (0062: authorized by PutItem on this table).
      fx: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      ledger: ledgerPostingActions,
      idempotency: idempotencyWrittenOnce,
      audit: auditAppendActions,
    },
  },
  getConversion: {
    entry: 'lambdas/handlers/api/get-conversion.ts',
    description: 'GET /v1/conversions/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { fx: read },
  },
  listConversions: {
    entry: 'lambdas/handlers/api/list-conversions.ts',
    description: 'GET /v1/conversions',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    // The cursor's conversion (GetItem), the keys-only list index, then the page's conversions by key.
    tables: { fx: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'] },
  },
  createBeneficiary: {
    entry: 'lambdas/handlers/api/create-beneficiary.ts',
    description: 'POST /v1/beneficiaries',
    memoryMb: 512,
    timeoutSeconds: 10,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: {
      payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      vault: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      idempotency: idempotencyStore,
      audit: auditAppendActions,
    },
    kms: { encrypt: ['bank-account'], fingerprint: true },
  },
  getBeneficiary: {
    entry: 'lambdas/handlers/api/get-beneficiary.ts',
    description: 'GET /v1/beneficiaries/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payouts: read },
  },
  listBeneficiaries: {
    entry: 'lambdas/handlers/api/list-beneficiaries.ts',
    description: 'GET /v1/beneficiaries',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'] },
  },
  createPayout: {
    entry: 'lambdas/handlers/api/create-payout.ts',
    description: 'POST /v1/payouts: validates, claims its quote, stores the payout, runs its workflow (Express, synchronously)',
    // 256 MB, as createRefund and cancelPayout, which also wait for their synchronous run: most of its billed
    // time is that wait (Reserve, Convert and Submit run in their own functions); its own work is parsing a body
    // under 1 KB, hashing it, pricing a quote and 8-25 DynamoDB requests (decision record 0057).
    memoryMb: 256,
    // Under API Gateway's 29 s: the handler stops waiting for the workflow 2 s before this and answers.
    timeoutSeconds: 27,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    tables: {
      payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      // Reads a quote, puts the one it takes itself, claims either (UpdateItem) before the payout's Put, and frees a
      // claim a payout stored meanwhile under the same key does not use (UpdateItem; decision record 0057).
      fx: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      // Query: the balance; GetItem: the home-region marker (decision 0024).
      ledger: ['dynamodb:GetItem', 'dynamodb:Query'],
      idempotency: idempotencyStore,
      audit: auditAppendActions,
    },
    stateMachines: { payout: ['states:StartSyncExecution'], sagaRecovery: ['states:StartExecution'] },
  },
  getPayout: {
    entry: 'lambdas/handlers/api/get-payout.ts',
    description: 'GET /v1/payouts/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payouts: read },
  },
  listPayouts: {
    entry: 'lambdas/handlers/api/list-payouts.ts',
    description: 'GET /v1/payouts',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'] },
  },
  cancelPayout: {
    entry: 'lambdas/handlers/api/cancel-payout.ts',
    description: 'POST /v1/payouts/{id}/cancel: cancels before submission, runs the payout workflow to release the funds, ends a review wait',
    memoryMb: 256,
    timeoutSeconds: 27,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    // ledger GetItem: the home-region marker (decision 0024).
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], idempotency: idempotencyStore, audit: auditAppendActions, ledger: read },
    stateMachines: { payout: ['states:StartSyncExecution'], payoutWait: ['states:SendTaskSuccess'], sagaRecovery: ['states:StartExecution'] },
  },
  reservePayoutFunds: {
    entry: 'lambdas/handlers/tasks/reserve-payout-funds.ts',
    description: "Payout workflow: hold the source amount and screen the beneficiary (sanctions, amount, new-beneficiary and daily limits); a hit starts the review wait",
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    // UpdateItem: the payout's bucket of its merchant's day (an atomic ADD, once per payout); Query: the day's
    // buckets summed, one partition (decision record 0057).
    // merchants: the merchant's own payout limits (GetItem of its profile).
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], ledger: ledgerPostingActions, merchants: ['dynamodb:GetItem'] },
    stateMachines: { payoutWait: ['states:StartExecution'] },
  },

  convertPayoutFunds: {
    entry: 'lambdas/handlers/tasks/convert-payout-funds.ts',
    description: "Payout workflow: convert the held funds at the payout's quote",
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], fx: read, ledger: ledgerPostingActions },
  },
  submitPayout: {
    entry: 'lambdas/handlers/tasks/submit-payout.ts',
    description: 'Payout workflow: send to the payout rail, asking it first after an unknown outcome (the only function that decrypts bank accounts); starts the confirmation wait',
    memoryMb: 512,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], vault: read },
    stateMachines: { payoutWait: ['states:StartExecution'] },
    kms: { decrypt: ['bank-account'] },
    payoutRails: true,
    secrets: payoutRailSecretNames,
  },

  settlePayout: {
    entry: 'lambdas/handlers/tasks/settle-payout.ts',
    description: "Payout workflow: the rail paid it; the funds leave through the rail's clearing account, and the debit the bank must book is recorded",
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    // reconciliation: the payout's due debit (`debits#<currency>#<day>`, one PutItem per paid payout), which
    // the bank statement's run checks (decision 0043).
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], ledger: ledgerPostingActions, reconciliation: ['dynamodb:PutItem'] },
  },
  releasePayoutFunds: {
    entry: 'lambdas/handlers/tasks/release-payout-funds.ts',
    description: 'Payout workflow: give back what a payout holds after a definite failure, a cancel or a return (reversals, release), end it',
    memoryMb: 256,
    timeoutSeconds: 20,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], ledger: ledgerPostingActions },
  },


  awaitPayout: {
    entry: 'lambdas/handlers/tasks/await-payout.ts',
    description: "Payout wait (review, confirmation): stores the task token that the decision, the cancel or the rail's message answers",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
    stateMachines: { payoutWait: ['states:SendTaskSuccess'] },
  },
  flagPayoutForAttention: {
    entry: 'lambdas/handlers/tasks/flag-payout-for-attention.ts',
    description: 'Payout wait and recovery: a confirmation overdue, a release or recovery that gave up; records it on the payout, alarms',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 'unreserved',
    invokedBy: 'step-functions',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
  },
  receivePayoutRailEvents: {
    entry: 'lambdas/handlers/internal/receive-payout-rail-events.ts',
    description: "POST /v1/rail_events/{channel}: the payout rails' signed confirmations, rejections and returns (Keystone SOAP, Pulse webhooks; Meridian files the other region forwards or the local bridge reads): applied to their payouts",
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 'unreserved',
    invokedBy: 'api-gateway',
    // The ledger's home markers: a message about payouts of a merchant homed in the other region goes there (decision 0049).
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], ledger: ['dynamodb:GetItem'] },
    stateMachines: { payout: ['states:StartSyncExecution'], payoutWait: ['states:SendTaskSuccess'], sagaRecovery: ['states:StartExecution'] },
    secrets: payoutRailNotificationSecretNames,
    forwardsToHomeRegion: true,
  },
  opsGetPayout: {
    entry: 'lambdas/handlers/ops/get-payout.ts',
    description: 'Operator API: GET /v1/payouts/{id} across merchants, with the review record (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payouts: read },
  },
  opsListPayouts: {
    entry: 'lambdas/handlers/ops/list-payouts.ts',
    description: "Operator API: GET /v1/payouts, a merchant's payouts by status, or every payout held for review (ops_viewer)",
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] },
    queryIndexes: { payouts: ['merchant-objects', 'payouts-in-review'] },
  },
  opsReviewPayout: {
    entry: 'lambdas/handlers/ops/review-payout.ts',
    description: "Operator API: POST /v1/payouts/{id}/review, the decision on a payout held for review, runs the payout's workflow (ops_admin)",
    memoryMb: 256,
    timeoutSeconds: 27,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], audit: auditAppendActions },
    stateMachines: { payout: ['states:StartSyncExecution'], payoutWait: ['states:SendTaskSuccess'], sagaRecovery: ['states:StartExecution'] },
  },
  opsListReconciliationBreaks: {
    entry: 'lambdas/handlers/ops/list-reconciliation-breaks.ts',
    description: 'Operator API: GET /v1/reconciliation/breaks, by status, kind and merchant (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { reconciliation: ['dynamodb:GetItem', 'dynamodb:Query'] },
    queryIndexes: { reconciliation: ['breaks-by-status'] },
  },
  opsResolveReconciliationBreak: {
    entry: 'lambdas/handlers/ops/resolve-reconciliation-break.ts',
    description: 'Operator API: POST /v1/reconciliation/breaks/{id}/resolve, with a note, audited (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 1,
    invokedBy: 'api-gateway',
    tables: { reconciliation: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  // The MCP server in AWS (decision 0045): one function per operator role, the same handler; `ops…` keys, so
  // they live in the operator functions' nested stack (lib/api-stack.ts).
  opsMcpViewer: {
    entry: 'lambdas/handlers/mcp/serve-mcp.ts',
    description: 'MCP server for AI agents over Streamable HTTP (IAM function URL, ops_viewer may invoke): read-only operations tools, calling the operator API as ops_viewer',
    memoryMb: 256,
    // A tool waits for the operator API (29 s at most, the ledger verification); a function URL has no shorter limit.
    timeoutSeconds: 35,
    // Agents, not traffic: a few tool calls at a time.
    reservedConcurrency: 4,
    invokedBy: 'function-url',
    mcpServer: { role: 'ops_viewer' },
    tables: {},
  },
  opsMcpAdmin: {
    entry: 'lambdas/handlers/mcp/serve-mcp.ts',
    description: 'MCP server for AI agents over Streamable HTTP (IAM function URL, ops_admin may invoke): the same tools, review_payout and resolve_break able to act, as ops_admin',
    memoryMb: 256,
    timeoutSeconds: 35,
    reservedConcurrency: 2,
    invokedBy: 'function-url',
    mcpServer: { role: 'ops_admin' },
    tables: {},
  },
  ingestSettlementReport: {
    entry: 'lambdas/handlers/tasks/ingest-settlement-report.ts',
    description: 'Reconciliation run, step Ingest: read, hash and check an acquirer settlement report; claim its batch, or refuse the file with its reason',
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 2,
    invokedBy: 'step-functions',
    tables: { reconciliation: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'] },
    settlementReports: true,
    secrets: settlementReportSecretNames,
  },
  reconcileSettlementLines: {
    entry: 'lambdas/handlers/tasks/reconcile-settlement-lines.ts',
    description: "Reconciliation run, Map iteration: a chunk of a report's lines against the ledger; settles what the report confirms, records breaks",
    memoryMb: 512,
    timeoutSeconds: 300,
    reservedConcurrency: 4,
    invokedBy: 'step-functions',
    tables: { ledger: ledgerPostingActions, reconciliation: ['dynamodb:PutItem'] },
    settlementReports: true,
    secrets: settlementReportSecretNames,
  },
  completeSettlementReconciliation: {
    entry: 'lambdas/handlers/tasks/complete-settlement-reconciliation.ts',
    description: "Reconciliation run, last step: captures announced but not in the report, the batch's acquirer fees booked, the report closed",
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 2,
    invokedBy: 'step-functions',
    tables: { ledger: ledgerPostingActions, reconciliation: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
    settlementReports: true,
    secrets: settlementReportSecretNames,
  },
  ingestBankStatement: {
    entry: 'lambdas/handlers/tasks/ingest-bank-statement.ts',
    description: "Bank statement run, step Ingest: read, hash and check a bank's camt.053 statement; claim its statement id, or refuse the file with its reason",
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 1,
    invokedBy: 'step-functions',
    tables: { reconciliation: ['dynamodb:GetItem', 'dynamodb:PutItem'] },
    settlementReports: true,
    secrets: settlementReportSecretNames,
  },
  reconcileBankStatement: {
    entry: 'lambdas/handlers/tasks/reconcile-bank-statement.ts',
    description: "Bank statement run, step Reconcile: acquirers' credits against their reports' pay-ins, payout debits and returns against the ledger; records breaks",
    memoryMb: 512,
    timeoutSeconds: 600,
    reservedConcurrency: 1,
    invokedBy: 'step-functions',
    tables: { ledger: ['dynamodb:GetItem', 'dynamodb:Query'], reconciliation: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'] },
    settlementReports: true,
    secrets: settlementReportSecretNames,
  },
  sweepUnstartedSagas: {
    entry: 'lambdas/handlers/scheduled/sweep-unstarted-sagas.ts',
    description:
      'Every minute: starts the recovery of any payment, refund or payout in flight past its grace period (list indexes for creation flights, saga-starts for later ones)',
    memoryMb: 256,
    timeoutSeconds: 55,
    // One sweep at a time: a second would only start the same (idempotent) executions again.
    reservedConcurrency: 1,
    invokedBy: 'schedule',
    schedule: { everyMinutes: 1 },
    // The merchants (Scan of the small merchants table); their objects created in the window (Query on the list
    // indexes), read in batches and again one by one, consistently; later flights (Query on saga-starts).
    tables: {
      merchants: ['dynamodb:Scan'],
      payments: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      payouts: ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
    },
    queryIndexes: { payments: [MERCHANT_OBJECTS_INDEX, SAGA_STARTS_INDEX], payouts: [MERCHANT_OBJECTS_INDEX, SAGA_STARTS_INDEX] },
    stateMachines: { sagaRecovery: ['states:StartExecution'] },
  },
  pullPayoutRailInbox: {
    entry: 'lambdas/handlers/scheduled/pull-payout-rail-inbox.ts',
    description:
      "Every minute: reads Meridian's /inbox over SFTP (status and return files), applies each signed file's events to their payouts and files it under processed/ or refused/",
    memoryMb: 256,
    timeoutSeconds: 120,
    // One pull at a time: a second would read the same files (applying them twice changes nothing, but both
    // would race to file them away).
    reservedConcurrency: 1,
    invokedBy: 'schedule',
    // One region reads the bank's one inbox (decision 0028); the payouts table is global.
    schedule: { everyMinutes: 1, primaryRegionOnly: true, localStandIn: 'local/payout-rails.ts' },
    payoutRails: true,
    secrets: ['MERIDIAN_SFTP_PRIVATE_KEY', 'MERIDIAN_SFTP_HOST_KEY', 'MERIDIAN_FILE_SIGNING_KEYS'],
    // What receivePayoutRailEvents does with a rail's message, for the files (a file about payouts homed in the
    // other region is sent there too: decision 0049).
    tables: { payouts: ['dynamodb:GetItem', 'dynamodb:PutItem'], ledger: ['dynamodb:GetItem'] },
    stateMachines: { payout: ['states:StartSyncExecution'], payoutWait: ['states:SendTaskSuccess'], sagaRecovery: ['states:StartExecution'] },
    forwardsToHomeRegion: true,
  },
  pullSettlementFiles: {
    entry: 'lambdas/handlers/scheduled/pull-settlement-files.ts',
    description:
      'Every 5 minutes: lists the reports and statements published on the SFTP server and starts one reconciliation run per new file; publishes the age of each source\'s newest file',
    memoryMb: 256,
    timeoutSeconds: 120,
    // One pull at a time: a second would list the same files and find their runs started.
    reservedConcurrency: 1,
    invokedBy: 'schedule',
    // One region pulls: both would reconcile the same files (the reconciliation table is global).
    schedule: { everyMinutes: 5, primaryRegionOnly: true },
    settlementReports: true,
    secrets: settlementReportSecretNames,
    tables: {},
    // Start runs; ask whether a report's run is going (statements wait for them).
    stateMachines: { settlementReconciliation: ['states:StartExecution', 'states:ListExecutions'], bankStatementReconciliation: ['states:StartExecution'] },
  },
  buildEvents: {
    entry: 'lambdas/handlers/streams/build-events.ts',
    description: 'Outbox: turns table changes (DynamoDB streams) into events, stores them in pages, queues their webhook deliveries',
    memoryMb: 512,
    timeoutSeconds: 60,
    reservedConcurrency: 20,
    invokedBy: 'stream',
    streams: {
      tables: {
        payments: [{ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['payment', 'refund'] } } } }],
        payouts: [{ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['payout', 'beneficiary'] } } } }],
        fx: [{ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: ['conversion'] } } } }],
        // The keys as listed to their merchant; the profile and the authorizer's lookup items make no event.
        merchants: [{ eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: 'apikey#' }] } } } }],
        // Settlements only: funds becoming available (balance_transaction.available), not every posting.
        ledger: [{ eventName: ['INSERT'], dynamodb: { NewImage: { k: { S: ['payment_settled'] } } } }],
      },
      batchSize: 500,
      maxBatchingWindowSeconds: 1,
      primaryRegionOnly: true,
      // A record the builder cannot handle is set aside alone; its batch-mates' events and webhooks go out.
      onFunctionError: { bisectBatchOnError: true, retryAttempts: 10 },
    },
    // Pages (BatchWriteItem), the merchants' endpoints (Query), and a settled line's journal (Query).
    tables: { events: ['dynamodb:BatchWriteItem', 'dynamodb:Query'], ledger: ['dynamodb:Query'] },
    queues: { webhookDeliveries: ['sqs:SendMessage'] },
  },
  deliverWebhooks: {
    entry: 'lambdas/handlers/queues/deliver-webhooks.ts',
    description: "Webhook delivery: signs and POSTs events to merchants' endpoints, records attempts, schedules retries (the only function that decrypts webhook secrets)",
    memoryMb: 256,
    // Ten tasks of up to 100 events at 15 s per request, 8 at a time: what is not sent in time is queued again.
    timeoutSeconds: 120,
    reservedConcurrency: 20,
    invokedBy: 'queue',
    consumes: 'webhookDeliveries',
    tables: { events: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
    kms: { decrypt: ['webhook-secret'] },
    queues: { webhookDeliveries: ['sqs:SendMessage'] },
  },
  createWebhookEndpoint: {
    entry: 'lambdas/handlers/api/create-webhook-endpoint.ts',
    description: 'POST /v1/webhook_endpoints: validates the URL, makes and encrypts the signing secret (shown once)',
    memoryMb: 512,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    // The endpoint and the merchant's endpoint count are one transaction (Put + Update).
    tables: { events: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], idempotency: idempotencyStore, audit: auditAppendActions },
    kms: { encrypt: ['webhook-secret'] },
  },
  listWebhookEndpoints: {
    entry: 'lambdas/handlers/api/list-webhook-endpoints.ts',
    description: 'GET /v1/webhook_endpoints',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { events: ['dynamodb:Query'] },
  },
  getWebhookEndpoint: {
    entry: 'lambdas/handlers/api/get-webhook-endpoint.ts',
    description: 'GET /v1/webhook_endpoints/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { events: read },
  },
  updateWebhookEndpoint: {
    entry: 'lambdas/handlers/api/update-webhook-endpoint.ts',
    description: 'POST /v1/webhook_endpoints/{id}: url, events, description, enable or disable',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { events: ['dynamodb:GetItem', 'dynamodb:PutItem'], idempotency: idempotencyStore, audit: auditAppendActions },
  },
  deleteWebhookEndpoint: {
    entry: 'lambdas/handlers/api/delete-webhook-endpoint.ts',
    description: 'DELETE /v1/webhook_endpoints/{id}',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    // The endpoint and the merchant's endpoint count are one transaction (Delete + Update).
    tables: { events: ['dynamodb:GetItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  rotateWebhookSecret: {
    entry: 'lambdas/handlers/api/rotate-webhook-secret.ts',
    description: 'POST /v1/webhook_endpoints/{id}/rotate_secret: a new signing secret (shown once); the old one signs 24 h more',
    memoryMb: 512,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { events: ['dynamodb:GetItem', 'dynamodb:PutItem'], idempotency: idempotencyStore, audit: auditAppendActions },
    kms: { encrypt: ['webhook-secret'] },
  },
  listEvents: {
    entry: 'lambdas/handlers/api/list-events.ts',
    description: 'GET /v1/events: newest first, by type and created range, 30 days',
    memoryMb: 512,
    timeoutSeconds: 10,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { events: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  getEvent: {
    entry: 'lambdas/handlers/api/get-event.ts',
    description: 'GET /v1/events/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { events: read },
  },
  listEventDeliveries: {
    entry: 'lambdas/handlers/api/list-event-deliveries.ts',
    description: 'GET /v1/events/{id}/deliveries: every webhook attempt, status code and latency',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { events: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  redeliverEvent: {
    entry: 'lambdas/handlers/api/redeliver-event.ts',
    description: 'POST /v1/events/{id}/redeliver: sends an event again to one endpoint or every subscribed one',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { events: ['dynamodb:GetItem', 'dynamodb:Query'], idempotency: idempotencyStore, audit: auditAppendActions },
    queues: { webhookDeliveries: ['sqs:SendMessage'] },
  },
} as const satisfies Record<string, FunctionDeclaration>;

export type FunctionKey = keyof typeof functions;

/** The tables whose streams some `stream` function reads (lib/ passes their stream ARNs; local/ enables their streams). */
export const streamedTableKeys = (): TableKey[] => [
  ...new Set(
    (Object.keys(functions) as FunctionKey[]).flatMap((key) => Object.keys((functions[key] as FunctionDeclaration).streams?.tables ?? {}) as TableKey[]),
  ),
];

export const functionKeys = Object.keys(functions) as FunctionKey[];

/** Function name in AWS and in local logs, e.g. `xborder-create-payment`. */
export const functionName = (appName: string, key: FunctionKey): string =>
  `${appName}-${key.replace(/([A-Z])/g, '-$1').toLowerCase()}`;

/** The environment a function receives in AWS and locally: only the tables it is granted. */
export const functionEnvironment = (key: FunctionKey): Record<string, string> => {
  const environment: Record<string, string> = {};
  for (const table of Object.keys(functions[key].tables) as TableKey[]) {
    environment[tableEnvVar(table)] = tableName(table);
  }
  return environment;
};

/** Σ reserved concurrency in a region: the account's quota minus it is the money path's shared pool. */
export const reservedConcurrencyTotal = (): number =>
  Object.values(functions as Readonly<Record<string, FunctionDeclaration>>).reduce((sum, fn) => sum + (fn.reservedConcurrency === UNRESERVED ? 0 : fn.reservedConcurrency), 0);
