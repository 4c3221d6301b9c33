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

export interface FunctionDeclaration {
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly tables: Partial<Record<TableKey, readonly DynamoDbAction[]>>;
  readonly kms?: KmsDeclaration;
}

const read = ['dynamodb:GetItem'] as const;
const idempotencyStore = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

export const functions = {
  authorizeMerchant: {
    entry: 'lambdas/handlers/api/authorize-merchant.ts',
    description: 'API Gateway request authorizer: resolves a merchant from its secret API key',
    memoryMb: 256,
    timeoutSeconds: 5,
    tables: { merchants: read },
  },
  createPayment: {
    entry: 'lambdas/handlers/api/create-payment.ts',
    description: 'POST /v1/payments',
    memoryMb: 512,
    timeoutSeconds: 10,
    tables: {
      payments: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      idempotency: idempotencyStore,
      vault: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    },
    kms: { encrypt: ['card', 'card-cvc'], fingerprint: true },
  },
  getPayment: {
    entry: 'lambdas/handlers/api/get-payment.ts',
    description: 'GET /v1/payments/{id}',
    memoryMb: 256,
    timeoutSeconds: 5,
    tables: { payments: read },
  },
  listPayments: {
    entry: 'lambdas/handlers/api/list-payments.ts',
    description: 'GET /v1/payments',
    memoryMb: 256,
    timeoutSeconds: 5,
    tables: { payments: ['dynamodb:GetItem', 'dynamodb:Query'] },
  },
  rejectUnknownMethod: {
    entry: 'lambdas/handlers/api/reject-unknown-method.ts',
    description: 'ANY fallback on every API resource: 405 with the allowed methods',
    memoryMb: 128,
    timeoutSeconds: 3,
    tables: {},
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
