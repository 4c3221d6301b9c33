import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { deployment } from '../platform/deployment';
import type { OperatorRole } from '../platform/operator-routes';
import type { OperatorCredentials } from './iam/operators';
import { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from '../platform/operator-routes';

/**
 * The ops console (console/, decision 0022) as the local operator API serves it under `/console/`, beside
 * the API, as it is deployed: static files with no data and no authorization of their own, and the
 * API's routes signed with an operator role's credentials. The bundle is built in memory with esbuild
 * when the console is first asked for (about a second; the runtime's start does not wait for it), then
 * kept; `npm run console:build` writes the same files for a deployment.
 *
 * `/console/session?role=` is the local stand-in for the Cognito identity pool of AWS: it hands the page the
 * locally issued credentials of the role asked for (those of .local/operators.json). Only to a same-origin
 * request whose Host is this loopback address (no other web page or rebound DNS name can read them).
 * There is no `/console/config.json` here (404): that is how the page knows it is not in AWS, where the stack
 * writes one and the page signs in through Cognito instead (platform/console-config.ts, decision 0046).
 */
export const CONSOLE_PREFIX = CONSOLE_PATH;

const repositoryRoot = resolve(import.meta.dirname, '..');

export interface ConsoleAssets {
  readonly 'index.html': string;
  readonly 'console.js': string;
  readonly 'console.css': string;
}

/** Bundles console/src (preact, aws4fetch, dagre and the ASL files) into one minified script. */
export const buildConsoleAssets = async (): Promise<ConsoleAssets> => {
  // Loaded here, not with the runtime: a runtime whose console nobody opens never starts esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [join(repositoryRoot, 'console', 'src', 'main.tsx')],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(repositoryRoot, 'console', 'tsconfig.json'),
    logLevel: 'silent',
    legalComments: 'none',
  });
  return {
    'index.html': readFileSync(join(repositoryRoot, 'console', 'index.html'), 'utf8'),
    'console.js': result.outputFiles[0]?.text ?? '',
    'console.css': readFileSync(join(repositoryRoot, 'console', 'console.css'), 'utf8'),
  };
};

const CONTENT_TYPES: Record<keyof ConsoleAssets, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** What the console's responses carry, as in AWS (platform/operator-routes.ts): nothing from elsewhere runs. */
const SECURITY_HEADERS = CONSOLE_SECURITY_HEADERS;

export interface ConsoleSite {
  /** Serves the request if it is the console's; false when it is not (the API's). */
  serve(request: IncomingMessage, response: ServerResponse): boolean;
}

export const consoleSite = (operators: readonly OperatorCredentials[], assets: () => Promise<ConsoleAssets> = buildConsoleAssets): ConsoleSite => {
  let built: Promise<ConsoleAssets> | undefined;
  return {
    serve(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (url.pathname !== CONSOLE_PREFIX && !url.pathname.startsWith(`${CONSOLE_PREFIX}/`)) return false;
      const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...SECURITY_HEADERS, ...headers });
        response.end(request.method === 'HEAD' ? undefined : body);
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        send(405, 'text/plain; charset=utf-8', 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
        return true;
      }
      if (url.pathname === CONSOLE_PREFIX) {
        response.writeHead(308, { Location: `${CONSOLE_PREFIX}/`, ...SECURITY_HEADERS });
        response.end();
        return true;
      }
      const name = url.pathname.slice(CONSOLE_PREFIX.length + 1) || 'index.html';
      if (name === 'session') {
        const port = request.socket.localPort;
        const loopbackHost = request.headers.host === `127.0.0.1:${port}` || request.headers.host === `localhost:${port}`;
        // Browsers send Sec-Fetch-Site; a request of another site (or a rebound name) gets nothing.
        const sameOrigin = (request.headers['sec-fetch-site'] ?? 'same-origin') === 'same-origin';
        const operator = operators.find((candidate) => candidate.role === (url.searchParams.get('role') as OperatorRole));
        if (!loopbackHost || !sameOrigin) send(403, 'application/json', `${JSON.stringify({ code: 'forbidden', detail: 'Operator sessions are given to the console on this address only.' })}\n`);
        else if (!operator) send(422, 'application/json', `${JSON.stringify({ code: 'validation_error', detail: 'role must be ops_viewer or ops_admin' })}\n`);
        else {
          send(200, 'application/json', `${JSON.stringify({ role: operator.role, access_key_id: operator.access_key_id, secret_access_key: operator.secret_access_key, region: deployment.primaryRegion })}\n`);
        }
        return true;
      }
      if (!Object.hasOwn(CONTENT_TYPES, name)) {
        send(404, 'text/plain; charset=utf-8', 'Not Found\n');
        return true;
      }
      built ??= assets();
      built.then(
        (files) => send(200, CONTENT_TYPES[name as keyof ConsoleAssets], files[name as keyof ConsoleAssets]),
        (error: unknown) => {
          built = undefined; // the next request tries again (a source fixed meanwhile)
          send(500, 'text/plain; charset=utf-8', `The ops console could not be built: ${(error as Error).message}\n`);
        },
      );
      return true;
    },
  };
};
