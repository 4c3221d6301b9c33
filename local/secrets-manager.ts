import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { deployment } from '../platform/deployment';
import { readBody } from './http-body';
import { listenLocally } from './ports';

/**
 * A Secrets Manager-compatible endpoint on 127.0.0.1, in memory: the JSON 1.1 protocol (`POST /`,
 * `X-Amz-Target: secretsmanager.<Operation>`, errors as `{"__type", "message"}` with HTTP 400), so the AWS
 * SDK's client, and Powertools Parameters on top of it, run unchanged against it through
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Serves what the platform and its rotation use: CreateSecret,
 * PutSecretValue (a new version becomes AWSCURRENT, the one it replaces AWSPREVIOUS) and GetSecretValue (by
 * stage or version id). Requests are counted per operation, so a test can see how often functions ask.
 *
 * The local runtime does not route the functions' secrets through it: its functions share one process
 * environment, which holds the values already (lambdas/shared/secrets.ts). Tests use it to run the AWS path.
 */
export const SECRETS_MANAGER_OPERATIONS = ['CreateSecret', 'PutSecretValue', 'GetSecretValue'] as const;
export type SecretsManagerOperation = (typeof SECRETS_MANAGER_OPERATIONS)[number];

export interface LocalSecretsManager {
  readonly url: string;
  readonly requestCounts: Readonly<Record<SecretsManagerOperation, number>>;
  stop(): Promise<void>;
}

interface SecretVersion {
  readonly id: string;
  readonly value: string;
  readonly created: Date;
  stages: string[];
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly versions: SecretVersion[];
}

class SecretsManagerError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 128 * 1024;

const field = (input: Record<string, unknown>, name: string): string => {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new SecretsManagerError('InvalidParameterException', `${name} must be a non-empty string`);
  return value;
};

export const startLocalSecretsManager = async (options: { readonly port?: number } = {}): Promise<LocalSecretsManager> => {
  const secrets = new Map<string, StoredSecret>();
  const requestCounts = Object.fromEntries(SECRETS_MANAGER_OPERATIONS.map((operation) => [operation, 0])) as Record<SecretsManagerOperation, number>;

  const find = (secretId: string): StoredSecret => {
    const secret = secrets.get(secretId) ?? [...secrets.values()].find((candidate) => candidate.arn === secretId);
    if (!secret) throw new SecretsManagerError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  };

  const addVersion = (secret: StoredSecret, value: string, versionId: string): SecretVersion => {
    const existing = secret.versions.find((version) => version.id === versionId);
    if (existing) {
      // A retried PutSecretValue with the same token and value is the same request; another value is not.
      if (existing.value !== value) throw new SecretsManagerError('ResourceExistsException', `Version ${versionId} already exists with another value`);
      return existing;
    }
    for (const version of secret.versions) version.stages = version.stages.filter((stage) => stage !== 'AWSPREVIOUS');
    for (const version of secret.versions) {
      if (version.stages.includes('AWSCURRENT')) version.stages = [...version.stages.filter((stage) => stage !== 'AWSCURRENT'), 'AWSPREVIOUS'];
    }
    const version: SecretVersion = { id: versionId, value, created: new Date(), stages: ['AWSCURRENT'] };
    secret.versions.push(version);
    return version;
  };

  const dispatch = (operation: SecretsManagerOperation, input: Record<string, unknown>): unknown => {
    switch (operation) {
      case 'CreateSecret': {
        const name = field(input, 'Name');
        if (secrets.has(name)) throw new SecretsManagerError('ResourceExistsException', `The secret ${name} already exists.`);
        const secret: StoredSecret = {
          arn: `arn:aws:secretsmanager:${deployment.primaryRegion}:000000000000:secret:${name}-${randomUUID().slice(0, 6)}`,
          name,
          versions: [],
        };
        secrets.set(name, secret);
        const version = addVersion(secret, field(input, 'SecretString'), typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID());
        return { ARN: secret.arn, Name: name, VersionId: version.id };
      }
      case 'PutSecretValue': {
        const secret = find(field(input, 'SecretId'));
        const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
        const version = addVersion(secret, field(input, 'SecretString'), token);
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
      }
      case 'GetSecretValue': {
        const secret = find(field(input, 'SecretId'));
        const versionId = typeof input.VersionId === 'string' ? input.VersionId : undefined;
        const stage = typeof input.VersionStage === 'string' ? input.VersionStage : versionId ? undefined : 'AWSCURRENT';
        const version = secret.versions.find((candidate) => (!versionId || candidate.id === versionId) && (!stage || candidate.stages.includes(stage)));
        if (!version) throw new SecretsManagerError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for the given version or stage.");
        return { ARN: secret.arn, Name: secret.name, VersionId: version.id, SecretString: version.value, VersionStages: version.stages, CreatedDate: version.created.getTime() / 1000 };
      }
    }
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID(), ...headers });
    response.end(text);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const target = request.headers['x-amz-target'];
      const operation = typeof target === 'string' && target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
      const text = await readBody(request, { maxBytes: MAX_BODY_BYTES, tooLarge: () => new SecretsManagerError('InvalidRequestException', 'request body too large'), onExcess: 'destroy' });
      if (request.method !== 'POST' || !SECRETS_MANAGER_OPERATIONS.includes(operation as SecretsManagerOperation)) {
        throw new SecretsManagerError('UnknownOperationException', `Operation ${operation || '(none)'} is not served by the local Secrets Manager`);
      }
      requestCounts[operation as SecretsManagerOperation] += 1;
      let input: unknown;
      try {
        input = text ? JSON.parse(text) : {};
      } catch {
        throw new SecretsManagerError('SerializationException', 'the body is not JSON');
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new SecretsManagerError('SerializationException', 'the body must be an object');
      send(response, 200, dispatch(operation as SecretsManagerOperation, input as Record<string, unknown>));
    } catch (error) {
      const failure = error instanceof SecretsManagerError ? error : new SecretsManagerError('InternalServiceError', 'internal error');
      send(response, failure.type === 'InternalServiceError' ? 500 : 400, { __type: failure.type, message: failure.message }, { 'x-amzn-ErrorType': failure.type });
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  const url = await listenLocally(server, options.port);
  return {
    url,
    requestCounts,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
};
