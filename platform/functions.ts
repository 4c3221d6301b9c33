import type { EncryptionPurpose } from './keys';
import { type TableKey, tableEnvVar, tableName } from './tables';

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
  | 'dynamodb:ConditionCheckItem';

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
export type StateMachineAction = 'states:StartExecution' | 'states:DescribeExecution' | 'states:SendTaskSuccess' | 'states:SendTaskFailure';

export interface FunctionDeclaration {
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Concurrency reserved for (and capping) this function in each region: it bounds the blast radius of a
   * runaway caller and protects DynamoDB and the channels. The sum over all functions must leave the
   * account's 100 unreserved executions (test/infra checks it fits a default 1,000 quota).
   */
  readonly reservedConcurrency: number;
  /**
   * Who invokes it. All are synchronous: the caller gets the error (API Gateway answers 5xx, Step Functions
   * retries or catches), so there is nothing for a dead-letter queue to catch.
   */
  readonly invokedBy: 'api-gateway' | 'step-functions';
  readonly tables: Partial<Record<TableKey, readonly DynamoDbAction[]>>;
  readonly kms?: KmsDeclaration;
  /**
   * State machines (keys of platform/state-machines.ts) the function drives, and exactly how. It learns
   * each one's ARN from `<KEY>_STATE_MACHINE_ARN` (set by lib/ in AWS and by local/runtime.ts locally).
   */
  readonly stateMachines?: Readonly<Record<string, readonly StateMachineAction[]>>;
}

const read = ['dynamodb:GetItem'] as const;
const idempotencyStore = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/**
 * What a function posting to the ledger needs (the saga's ledger tasks): transactional reads are GetItem,
 * the transactional write is PutItem + UpdateItem, shard reads are Query/BatchGetItem (IAM has no
 * separate transaction actions).
 */
export const ledgerPostingActions = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/**
 * What a function appending to the audit log needs: the chain's last entry (Query) and one conditional
 * PutItem per entry. Never UpdateItem or DeleteItem: the log is append-only (test/infra checks that no
 * function holds them on the audit table).
 */
export const auditAppendActions = ['dynamodb:Query', 'dynamodb:PutItem'] as const;

export const functions = {
  authorizeMerchant: {
    entry: 'lambdas/handlers/api/authorize-merchant.ts',
    description: 'API Gateway request authorizer: resolves a merchant from its secret API key',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 100,
    invokedBy: 'api-gateway',
    tables: { merchants: read },
  },
  createPayment: {
    entry: 'lambdas/handlers/api/create-payment.ts',
    description: 'POST /v1/payments',
    memoryMb: 512,
    timeoutSeconds: 10,
    reservedConcurrency: 100,
    invokedBy: 'api-gateway',
    tables: {
      payments: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      idempotency: idempotencyStore,
      vault: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      audit: auditAppendActions,
    },
    kms: { encrypt: ['card', 'card-cvc'], fingerprint: true },
  },
  getPayment: {
    entry: 'lambdas/handlers/api/get-payment.ts',
    description: 'GET /v1/payments/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 25,
    invokedBy: 'api-gateway',
    tables: { payments: read },
  },
  listPayments: {
    entry: 'lambdas/handlers/api/list-payments.ts',
    description: 'GET /v1/payments',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 25,
    invokedBy: 'api-gateway',
    tables: { payments: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  getBalance: {
    entry: 'lambdas/handlers/api/get-balance.ts',
    description: 'GET /v1/balances',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 25,
    invokedBy: 'api-gateway',
    tables: { ledger: ['dynamodb:Query'] },
  },
  listBalanceTransactions: {
    entry: 'lambdas/handlers/api/list-balance-transactions.ts',
    description: 'GET /v1/balance_transactions',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 25,
    invokedBy: 'api-gateway',
    tables: { ledger: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  rejectUnknownMethod: {
    entry: 'lambdas/handlers/api/reject-unknown-method.ts',
    description: 'ANY fallback on every API resource: 405 with the allowed methods',
    memoryMb: 128,
    timeoutSeconds: 3,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: {},
  },
  createApiKey: {
    entry: 'lambdas/handlers/api/create-api-key.ts',
    description: 'POST /v1/api_keys',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: {
      merchants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      idempotency: idempotencyStore,
      audit: auditAppendActions,
    },
  },
  listApiKeys: {
    entry: 'lambdas/handlers/api/list-api-keys.ts',
    description: 'GET /v1/api_keys',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  revokeApiKey: {
    entry: 'lambdas/handlers/api/revoke-api-key.ts',
    description: 'POST /v1/api_keys/{id}/revoke',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 5,
    invokedBy: 'api-gateway',
    tables: {
      merchants: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      idempotency: idempotencyStore,
      audit: auditAppendActions,
    },
  },
  opsOnboardMerchant: {
    entry: 'lambdas/handlers/ops/onboard-merchant.ts',
    description: 'Operator API: POST /v1/merchants (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsGetMerchant: {
    entry: 'lambdas/handlers/ops/get-merchant.ts',
    description: 'Operator API: GET /v1/merchants/{id} (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  opsCreateApiKey: {
    entry: 'lambdas/handlers/ops/create-api-key.ts',
    description: 'Operator API: POST /v1/merchants/{id}/api_keys (ops_admin)',
    memoryMb: 256,
    timeoutSeconds: 10,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { merchants: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], audit: auditAppendActions },
  },
  opsRevokeApiKey: {
    entry: 'lambdas/handlers/ops/revoke-api-key.ts',
    description: 'Operator API: POST /v1/merchants/{id}/api_keys/{key_id}/revoke (ops_admin)',
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
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { audit: ['dynamodb:Query'] },
  },
  opsVerifyAuditChains: {
    entry: 'lambdas/handlers/ops/verify-audit-chains.ts',
    description: 'Operator API: GET /v1/merchants/{id}/audit_verification (ops_viewer)',
    memoryMb: 512,
    // API Gateway's integration limit; longer chains are verified with `npm run audit:verify`.
    timeoutSeconds: 29,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { audit: ['dynamodb:Query'] },
  },
  opsGetPayment: {
    entry: 'lambdas/handlers/ops/get-payment.ts',
    description: 'Operator API: GET /v1/payments/{id} across merchants (ops_viewer)',
    memoryMb: 256,
    timeoutSeconds: 5,
    reservedConcurrency: 2,
    invokedBy: 'api-gateway',
    tables: { payments: ['dynamodb:GetItem'] },
  },
} as const satisfies Record<string, FunctionDeclaration>;

export type FunctionKey = keyof typeof functions;

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
