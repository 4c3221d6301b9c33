import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StepFunctionsEngine } from './engine';
import { StepFunctionsError } from './errors';
import { readBody } from '../http-body';

/**
 * The Step Functions API over HTTP, as AWS serves it (AWS JSON 1.0): `POST /` with
 * `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON body; errors as `{"__type", "message"}`
 * with status 400, which `@aws-sdk/client-sfn` raises as the exception class of that name;
 * timestamps as epoch seconds. Handlers reach it through `AWS_ENDPOINT_URL_SFN`. Requests are not
 * signature-checked (any credentials work locally).
 */
export interface StepFunctionsServerOptions {
  readonly engine: StepFunctionsEngine;
  /** 0 picks a free port. */
  readonly port: number;
  readonly onError?: (error: unknown) => void;
}

export interface StepFunctionsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

type Body = Record<string, unknown>;
type Operation = (engine: StepFunctionsEngine, body: Body) => unknown;

const optionalString = (body: Body, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new StepFunctionsError('SerializationException', `Value for '${field}' must be a string`);
  }
  return value;
};
const optionalNumber = (body: Body, field: string): number | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new StepFunctionsError('SerializationException', `Value for '${field}' must be a number`);
  return value;
};
const optionalBoolean = (body: Body, field: string): boolean | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new StepFunctionsError('SerializationException', `Value for '${field}' must be a boolean`);
  return value;
};
const requiredString = (body: Body, field: string): string => {
  const value = optionalString(body, field);
  if (value === undefined) {
    throw new StepFunctionsError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
};

const operations: Readonly<Record<string, Operation>> = {
  StartExecution: (engine, body) =>
    engine.startExecution({
      stateMachineArn: requiredString(body, 'stateMachineArn'),
      name: optionalString(body, 'name'),
      input: optionalString(body, 'input'),
    }),
  StartSyncExecution: (engine, body) =>
    engine.startSyncExecution({
      stateMachineArn: requiredString(body, 'stateMachineArn'),
      name: optionalString(body, 'name'),
      input: optionalString(body, 'input'),
    }),
  RedriveExecution: (engine, body) => engine.redriveExecution({ executionArn: requiredString(body, 'executionArn') }),
  DescribeExecution: (engine, body) => engine.describeExecution(requiredString(body, 'executionArn')),
  ListExecutions: (engine, body) =>
    engine.listExecutions({
      stateMachineArn: requiredString(body, 'stateMachineArn'),
      statusFilter: optionalString(body, 'statusFilter'),
      maxResults: optionalNumber(body, 'maxResults'),
      nextToken: optionalString(body, 'nextToken'),
    }),
  GetExecutionHistory: (engine, body) =>
    engine.getExecutionHistory({
      executionArn: requiredString(body, 'executionArn'),
      maxResults: optionalNumber(body, 'maxResults'),
      nextToken: optionalString(body, 'nextToken'),
      reverseOrder: optionalBoolean(body, 'reverseOrder'),
      includeExecutionData: optionalBoolean(body, 'includeExecutionData'),
    }),
  SendTaskSuccess: async (engine, body) => {
    await engine.sendTaskSuccess({ taskToken: requiredString(body, 'taskToken'), output: requiredString(body, 'output') });
    return {};
  },
  SendTaskFailure: async (engine, body) => {
    await engine.sendTaskFailure({
      taskToken: requiredString(body, 'taskToken'),
      error: optionalString(body, 'error'),
      cause: optionalString(body, 'cause'),
    });
    return {};
  },
  SendTaskHeartbeat: async (engine, body) => {
    await engine.sendTaskHeartbeat({ taskToken: requiredString(body, 'taskToken') });
    return {};
  },
  StopExecution: (engine, body) =>
    engine.stopExecution({
      executionArn: requiredString(body, 'executionArn'),
      error: optionalString(body, 'error'),
      cause: optionalString(body, 'cause'),
    }),
  DescribeStateMachine: (engine, body) => engine.describeStateMachine(requiredString(body, 'stateMachineArn')),
  ListStateMachines: (engine, body) =>
    engine.listStateMachines({ maxResults: optionalNumber(body, 'maxResults'), nextToken: optionalString(body, 'nextToken') }),
};

/** The JSON 1.0 wire form: Dates as epoch seconds, undefined members left out. */
const toWire = (value: unknown): unknown => {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, member]) => member !== undefined)
        .map(([name, member]) => [name, toWire(member)]),
    );
  }
  return value;
};

const send = (response: ServerResponse, status: number, body: unknown, requestId: string, errorType?: string) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
    ...(errorType ? { 'x-amzn-ErrorType': errorType } : {}),
  });
  response.end(text);
};

const sendError = (response: ServerResponse, error: StepFunctionsError, requestId: string) =>
  send(response, error.statusCode, { __type: `com.amazonaws.sfn#${error.code}`, message: error.message }, requestId, error.code);

export const startStepFunctionsServer = async (options: StepFunctionsServerOptions): Promise<StepFunctionsServer> => {
  const onError = options.onError ?? ((error: unknown) => console.error('[step-functions]', error));
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      if (request.method !== 'POST') throw new StepFunctionsError('UnknownOperationException', `${request.method} is not supported`);
      const target = request.headers['x-amz-target'];
      const operation =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? operations[target.slice(TARGET_PREFIX.length)] : undefined;
      if (!operation) throw new StepFunctionsError('UnknownOperationException', `Unknown operation ${String(target)}`);
      const text = await readBody(request, { maxBytes: MAX_REQUEST_BYTES, tooLarge: () => new StepFunctionsError('ValidationException', `Request body exceeds ${MAX_REQUEST_BYTES} bytes`), onExcess: 'destroy' });
      let body: unknown;
      try {
        body = text.length === 0 ? {} : JSON.parse(text);
      } catch {
        throw new StepFunctionsError('SerializationException', 'The request body is not valid JSON');
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new StepFunctionsError('SerializationException', 'The request body must be a JSON object');
      }
      send(response, 200, toWire(await operation(options.engine, body as Body)), requestId);
    } catch (error) {
      if (error instanceof StepFunctionsError) return sendError(response, error, requestId);
      onError(error);
      send(response, 500, { __type: 'com.amazonaws.sfn#InternalFailure', message: 'Internal failure' }, requestId, 'InternalFailure');
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
