import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { deployment } from '../../platform/deployment';
import { type KmsKeyName, kmsKeys } from '../../platform/keys';
import { KMS_OPERATIONS, KmsError, type KmsOperation, LocalKmsEngine } from './engine';
import { loadOrCreateKeys } from './key-store';
import { readBody } from '../http-body';
import { listenLocally } from '../ports';

/**
 * A KMS-compatible endpoint on 127.0.0.1: the KMS JSON 1.1 protocol (`POST /`,
 * `X-Amz-Target: TrentService.<Operation>`, blobs as base64, errors as `{"__type", "message"}` with
 * HTTP 400), so the AWS SDK's own KMS client, and the Encryption SDK's keyrings on top of it, run
 * unchanged against it through `AWS_ENDPOINT_URL_KMS`. Requests are counted per operation
 * (`requestCounts`, or `GET /local/requests`) so benchmarks can report KMS requests per payment.
 * Signatures are not verified: the region comes from the SigV4 credential scope.
 */
export interface LocalKms {
  readonly url: string;
  readonly engine: LocalKmsEngine;
  /** The declared key's ARN in a region (the primary region unless told). */
  keyArn(name: KmsKeyName, region?: string): string;
  readonly requestCounts: Readonly<Record<KmsOperation, number>>;
  resetCounts(): void;
  stop(): Promise<void>;
}

export interface LocalKmsOptions {
  /** Where keys.json lives (the runtime uses `.local/kms`). */
  readonly stateDir: string;
  /** 0 or absent: any free port. */
  readonly port?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/kms\/aws4_request/;

/** Blob members by operation: base64 in the JSON body, bytes for the engine. */
const inputBlobs: Partial<Record<KmsOperation, readonly string[]>> = {
  Encrypt: ['Plaintext'],
  Decrypt: ['CiphertextBlob'],
  GenerateMac: ['Message'],
  VerifyMac: ['Message', 'Mac'],
};

const decodeInput = (operation: KmsOperation, body: Record<string, unknown>): Record<string, unknown> => {
  const decoded = { ...body };
  for (const member of inputBlobs[operation] ?? []) {
    const value = decoded[member];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new KmsError('SerializationException', `${member} must be base64`);
    decoded[member] = Buffer.from(value, 'base64');
  }
  return decoded;
};

/** Bytes → base64, dates → epoch seconds: the JSON 1.1 wire forms the SDK parses. */
const encodeOutput = (value: unknown): unknown => {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(encodeOutput);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, encodeOutput(entry)]));
  }
  return value;
};

const send = (response: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...extraHeaders,
  });
  response.end(text);
};

const sendError = (response: ServerResponse, error: KmsError): void =>
  send(response, 400, { __type: error.type, message: error.message }, { 'x-amzn-ErrorType': error.type });

export const startLocalKms = async (options: LocalKmsOptions): Promise<LocalKms> => {
  const engine = new LocalKmsEngine(loadOrCreateKeys(options.stateDir));

  const dispatch = (operation: KmsOperation, region: string, input: Record<string, unknown>): unknown => {
    switch (operation) {
      case 'GenerateDataKey':
        return engine.generateDataKey(region, input);
      case 'Encrypt':
        return engine.encrypt(region, input);
      case 'Decrypt':
        return engine.decrypt(region, input);
      case 'DescribeKey':
        return engine.describeKey(region, input);
      case 'GenerateMac':
        return engine.generateMac(region, input);
      case 'VerifyMac':
        return engine.verifyMac(region, input);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'GET' && request.url === '/local/requests') {
      send(response, 200, engine.requestCounts);
      return;
    }
    const target = request.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : undefined;
    if (request.method !== 'POST' || !operation || !KMS_OPERATIONS.includes(operation as KmsOperation)) {
      await readBody(request, { maxBytes: MAX_BODY_BYTES, tooLarge: () => new KmsError('ValidationException', 'request body too large'), onExcess: 'destroy' }).catch(() => '');
      sendError(response, new KmsError('UnknownOperationException', `Operation ${operation ?? '(none)'} is not served by the local KMS`));
      return;
    }
    const op = operation as KmsOperation;
    engine.count(op);
    const region = CREDENTIAL_SCOPE.exec(request.headers.authorization ?? '')?.[1] ?? deployment.primaryRegion;
    let body: Record<string, unknown>;
    try {
      const text = await readBody(request, { maxBytes: MAX_BODY_BYTES, tooLarge: () => new KmsError('ValidationException', 'request body too large'), onExcess: 'destroy' });
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch (error) {
      sendError(response, error instanceof KmsError ? error : new KmsError('SerializationException', 'Request body is not a JSON object'));
      return;
    }
    try {
      send(response, 200, encodeOutput(dispatch(op, region, decodeInput(op, body))));
    } catch (error) {
      if (error instanceof KmsError) return sendError(response, error);
      send(response, 500, { __type: 'KMSInternalException', message: 'local KMS failed' });
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { __type: 'KMSInternalException', message: 'local KMS failed' });
    });
  });
  const url = await listenLocally(server, options.port);

  return {
    url,
    engine,
    keyArn: (name, region = deployment.primaryRegion) => engine.arnForAlias(kmsKeys[name].alias, region),
    requestCounts: engine.requestCounts,
    resetCounts: () => engine.resetCounts(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
