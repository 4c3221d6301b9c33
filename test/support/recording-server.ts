import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { listenLocally } from '../../local/ports';

/** A request the recording server received. */
export interface RecordedHttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the recording server answers next: a status, a body, headers, after a delay. */
export interface RecordingServerAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
}

/**
 * A local HTTP server standing in for another region's API in a suite (the forwarders' tests): it records every
 * request and gives the answer set last. Started in beforeAll, closed in afterAll, cleared before each test.
 */
export const useRecordingServer = (initial: RecordingServerAnswer = { status: 200 }) => {
  let server: Server | undefined;
  const state = { baseUrl: '', answer: initial, seen: [] as RecordedHttpRequest[] };
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        state.seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const { status, body = '{}', headers = { 'Content-Type': 'application/json' }, delayMs = 0 } = state.answer;
        setTimeout(() => {
          if (!response.destroyed) response.writeHead(status, headers).end(body);
        }, delayMs);
      });
    });
    state.baseUrl = await listenLocally(server);
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((closed) => server?.close(closed));
  });
  beforeEach(() => {
    state.seen.length = 0;
    state.answer = initial;
  });
  return state;
};
