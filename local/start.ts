// First: before any module loads the Powertools tracer (local/tracing-off.ts).
import './tracing-off';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JavaMissingError } from './dynamodb-local';
import { writeFileAtomically } from './atomic-file';
import { startLocalRegions } from './regions';
import { type LocalRegionOptions, type LocalRuntime, startLocalRuntime } from './runtime';
import { deployment } from '../platform/deployment';
import { MERCHANT_AUTHORIZER_CACHE_SECONDS } from '../platform/routes';

/**
 * `npm start`: the whole platform on this machine. Ctrl-C (SIGINT) or SIGTERM stops everything it
 * started. See README.md for the options.
 */
const MIN_NODE_MAJOR = 24;

/** Ctrl-C or SIGTERM: stop what was started (once, however many signals come), then exit 0, or 1 if stopping failed. */
const stopOnSignals = (stop: () => Promise<unknown>): void => {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
};

const main = async (): Promise<void> => {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < MIN_NODE_MAJOR) {
    // `npm ci` installs Node 24 into node_modules (devDependency `node`) and npm scripts run on it: this is
    // reached only when started some other way (`npx tsx local/start.ts` on an older system Node).
    console.error(`xborder needs Node ${MIN_NODE_MAJOR} or newer (this is ${process.version}). Start it with \`npm start\` after \`npm ci\` (npm runs it on the Node ${MIN_NODE_MAJOR} that \`npm ci\` installs), or \`nvm use\` (see .nvmrc).`);
    process.exit(1);
  }
  const { values } = parseArgs({
    options: {
      'in-memory': { type: 'boolean', default: false },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      'dynamodb-port': { type: 'string', default: process.env.DYNAMODB_PORT ?? '8000' },
      'sfn-port': { type: 'string', default: process.env.SFN_PORT ?? '8083' },
      'ops-port': { type: 'string', default: process.env.OPS_PORT ?? '3001' },
      'sfn-time-scale': { type: 'string', default: process.env.SFN_TIME_SCALE ?? '1' },
      'state-dir': { type: 'string', default: process.env.XBORDER_STATE_DIR ?? '.local' },
      'schedule-interval-ms': { type: 'string', default: process.env.XBORDER_SCHEDULE_INTERVAL_MS ?? '30000' },
      'authorizer-cache-seconds': { type: 'string', default: process.env.XBORDER_AUTHORIZER_CACHE_SECONDS ?? String(MERCHANT_AUTHORIZER_CACHE_SECONDS) },
      'webhook-time-scale': { type: 'string', default: process.env.WEBHOOK_TIME_SCALE ?? '1' },
      'webhook-receiver-port': { type: 'string', default: process.env.WEBHOOK_RECEIVER_PORT ?? '3002' },
      verbose: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      // Two regions (local/regions.ts, decision 0036): --port is then the front door's.
      regions: { type: 'string', default: '1' },
      'replication-lag-ms': { type: 'string', default: '1000' },
      'health-check-interval-ms': { type: 'string', default: '1000' },
      'health-check-failures': { type: 'string', default: '3' },
      // Internal: one region of `--regions 2`, as local/regions.ts starts it.
      'region-config': { type: 'string' },
    },
  });
  const stateDir = resolve(values['state-dir']);
  const inMemory = values['in-memory'];
  if (values.regions !== '1' && values.regions !== '2') {
    console.error(`--regions: 1 or 2 (got '${values.regions}')`);
    process.exit(1);
  }
  if (values.regions === '2') return startTwoRegions(values, stateDir, inMemory);
  const region = values['region-config'] ? (JSON.parse(readFileSync(values['region-config'], 'utf8')) as LocalRegionOptions) : undefined;

  let runtime: LocalRuntime;
  try {
    runtime = await startLocalRuntime({
      port: Number(values.port),
      dynamoDbPort: Number(values['dynamodb-port']),
      sfnPort: Number(values['sfn-port']),
      opsPort: Number(values['ops-port']),
      sfnTimeScale: Number(values['sfn-time-scale']),
      scheduleIntervalMs: Number(values['schedule-interval-ms']),
      authorizerCacheSeconds: Number(values['authorizer-cache-seconds']),
      webhookTimeScale: Number(values['webhook-time-scale']),
      webhookReceiverPort: Number(values['webhook-receiver-port']),
      region,
      onProgress: (step) => console.log(`xborder: ${step}...`),
      stateDir,
      inMemory,
      logLevel: values.verbose ? 'INFO' : 'WARN',
      onAccess: values.quiet
        ? undefined
        : (entry) =>
            console.log(`${entry.method} ${entry.path} ${entry.status} ${entry.latencyMs.toFixed(1)}ms ${entry.requestId}`),
    });
  } catch (error) {
    if (error instanceof JavaMissingError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }

  stopOnSignals(() => runtime.stop());

  const merchantsFile = join(stateDir, 'merchants.json');
  // Written whole (writeFileAtomically): whoever waits for runtime.json (local/runtime-process.ts, the
  // scripts) never reads it half written (a crash drill did, on a loaded machine: "Unexpected end of JSON input").
  const runtimeFile = join(stateDir, 'runtime.json');
  writeFileAtomically(
    runtimeFile,
    `${JSON.stringify({ pid: process.pid, region: region?.region ?? deployment.primaryRegion, apiUrl: runtime.apiUrl, operatorApiUrl: runtime.operatorApiUrl, consoleUrl: runtime.consoleUrl, dynamoDbEndpoint: runtime.dynamoDbEndpoint, kmsEndpoint: runtime.kms.url, sfnEndpoint: runtime.sfnEndpoint, pids: runtime.pids, cardChannels: runtime.cardChannels, payoutRails: runtime.payoutRails.summary, webhookReceiverUrl: runtime.webhookReceiver.url }, null, 2)}\n`,
  );
  const shown = relative(process.cwd(), merchantsFile) || merchantsFile;
  console.log(
    [
      'xborder is running locally.',
      `  API              ${runtime.apiUrl}`,
      `  Operator API     ${runtime.operatorApiUrl} (IAM/SigV4; credentials per role in ${relative(process.cwd(), join(stateDir, 'operators.json'))}; \`npm run ops -- help\`)`,
      `  Ops console      ${runtime.consoleUrl} (search, payment pages with their executions, the payout review queue; open it in a browser)`,
      `  DynamoDB Local   ${runtime.dynamoDbEndpoint} (${inMemory ? 'in memory' : `data in ${relative(process.cwd(), join(stateDir, 'dynamodb'))}`})`,
      ...runtime.cardChannels.map(
        (channel) =>
          `  Card acquirer    ${channel.name.padEnd(7)} ${channel.url} (simulator; ${inMemory ? 'ledger in memory' : `ledger in ${relative(process.cwd(), join(stateDir, 'simulators', channel.name))}`})`,
      ),
      `  Reports SFTP     sftp://${runtime.settlementReportsSftp.username}@${runtime.settlementReportsSftp.host}:${runtime.settlementReportsSftp.port} (the acquirers' settlement reports; key ${relative(process.cwd(), runtime.settlementReportsSftp.privateKeyFile)})`,
      `  Local KMS        ${runtime.kms.url} (keys in ${relative(process.cwd(), join(stateDir, 'kms', 'keys.json'))}; requests per operation at ${runtime.kms.url}/local/requests)`,
      `  Payout rails     meridian files sftp://${runtime.payoutRails.meridianSftp.username}@${runtime.payoutRails.meridianSftp.host}:${runtime.payoutRails.meridianSftp.port} (keys in ${relative(process.cwd(), join(stateDir, 'sftp'))}) · keystone SOAP ${runtime.payoutRails.keystone.url} · pulse instant ${runtime.payoutRails.pulse.url}`,
      `  Step Functions   ${runtime.sfnEndpoint} (${runtime.stepFunctions.stateMachines.size} state machines; handlers reach it through AWS_ENDPOINT_URL_SFN)`,
      `  Schedules        saga-start sweeper ${Number(values['schedule-interval-ms']) > 0 ? `every ${Number(values['schedule-interval-ms']) / 1000} s` : 'off'} (grace ${process.env.SAGA_START_GRACE_SECONDS ?? '120'} s; --schedule-interval-ms, SAGA_START_GRACE_SECONDS)`,
      `  Webhooks         events from the payments and payouts tables' streams, delivered through the local SQS ${runtime.sqs.url} (retry schedule x${Number(values['webhook-time-scale'])}; --webhook-time-scale)`,
      `  Webhook receiver ${runtime.webhookReceiver.url}/<inbox> (verifies with the standardwebhooks package; GET it to read an inbox)`,
      `  Demo merchants   ${shown}: ${runtime.merchants.map((merchant) => `${merchant.name} (${merchant.id})`).join(', ')}`,
      '',
      'Try it:',
      `  KEY=$(node -p "require('./${shown}')[0].api_key")`,
      `  curl -s ${runtime.apiUrl}/v1/payments -H "Authorization: Bearer $KEY" -H "Idempotency-Key: $(node -p 'crypto.randomUUID()')" \\`,
      `    -d '{"amount": 1999, "currency": "BRL", "payment_method": {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}}}'`,
      `  curl -s ${runtime.apiUrl}/v1/payments -H "Authorization: Bearer $KEY"`,
      '',
      'Webhooks (the signing secret is in the answer only; give it to the inbox so it verifies):',
      `  SECRET=$(curl -s ${runtime.apiUrl}/v1/webhook_endpoints -H "Authorization: Bearer $KEY" -H "Idempotency-Key: $(node -p 'crypto.randomUUID()')" \\`,
      `    -d '{"url": "${runtime.webhookReceiver.url}/demo", "enabled_events": ["*"]}' | node -p 'JSON.parse(require("fs").readFileSync(0)).secret')`,
      `  curl -s -X PUT ${runtime.webhookReceiver.url}/demo/secrets -d "{\\"secrets\\": [\\"$SECRET\\"]}"`,
      `  curl -s ${runtime.webhookReceiver.url}/demo        # after a payment: what arrived, verified or not`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
};

/** `--regions 2`: both regions, the replicator and the front door (local/regions.ts); Ctrl-C stops them all. */
const startTwoRegions = async (values: Record<string, string | boolean | undefined>, stateDir: string, inMemory: boolean): Promise<void> => {
  const regions = await startLocalRegions({
    stateDir,
    inMemory,
    port: Number(values.port),
    replicationLagMs: Number(values['replication-lag-ms']),
    healthCheckIntervalMs: Number(values['health-check-interval-ms']),
    healthCheckFailures: Number(values['health-check-failures']),
    regionArgs: [
      ...(values.quiet ? ['--quiet'] : []),
      ...(values.verbose ? ['--verbose'] : []),
      '--schedule-interval-ms',
      String(values['schedule-interval-ms']),
      '--sfn-time-scale',
      String(values['sfn-time-scale']),
      '--webhook-time-scale',
      String(values['webhook-time-scale']),
    ],
    onProgress: (step) => console.log(`xborder: ${step}...`),
    onError: (message, error) => console.error(JSON.stringify({ level: 'WARN', message, error: error instanceof Error ? error.message : String(error) })),
  });
  stopOnSignals(() => regions.stop());
  const summary = regions.regions.map((region) => ({ region: region.region, stateDir: region.stateDir, ...region.process.runtime }));
  writeFileAtomically(
    join(stateDir, 'runtime.json'),
    `${JSON.stringify({ pid: process.pid, apiUrl: regions.apiUrl, regions: summary, cardChannels: regions.cardChannels.channels }, null, 2)}\n`,
  );
  const merchantsFile = relative(process.cwd(), join(regions.regions[0].stateDir, 'merchants.json'));
  console.log(
    [
      'xborder is running locally in two regions.',
      `  Front door       ${regions.apiUrl} (the merchant API: ${regions.regions[0].region} while its health check passes, else ${regions.regions[1].region}; checks every ${Number(values['health-check-interval-ms'])} ms, ${Number(values['health-check-failures'])} failures to fail over)`,
      ...summary.map(
        (region) =>
          `  ${region.region.padEnd(16)} API ${region.apiUrl} · operator API ${region.operatorApiUrl} · DynamoDB Local ${region.dynamoDbEndpoint} (pid ${region.pids.dynamoDbLocal}) · runtime pid ${region.pid} · log ${relative(process.cwd(), join(region.stateDir, 'runtime.log'))}`,
      ),
      `  Replication      global tables between the two DynamoDB Locals, last writer wins, lag ${Number(values['replication-lag-ms'])} ms (--replication-lag-ms)`,
      ...regions.cardChannels.channels.map((channel) => `  Card acquirer    ${channel.name.padEnd(7)} ${channel.url} (simulator, both regions)`),
      `  Demo merchants   ${merchantsFile} (homed in ${regions.regions[0].region})`,
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
