import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deployment } from '../platform/deployment';
import { type LocalCardChannels, startLocalCardChannels } from './card-channels';
import { type FrontDoor, startFrontDoor } from './front-door';
import { newRailNotificationSecrets } from './payout-rails';
import { loadOrCreateKeys } from './kms/key-store';
import { freePort, listeningHttpServer } from './ports';
import { type LocalReplicator, startReplicator } from './replicator';
import type { LocalRegionOptions } from './runtime';
import { type StartedRuntime, startRuntimeProcess, stopRuntimeProcess } from './runtime-process';

/**
 * `npm start -- --regions 2` (decision 0036): the platform in its two regions on one machine.
 * - Each region is a runtime of its own (local/start.ts `--region-config`, a child process): its own DynamoDB
 *   Local, Step Functions engine, SQS, schedules, API and operator API ports, AWS_REGION = the region.
 * - What both regions reach as outside services starts once, here: the card acquirer simulators and their SFTP
 *   server (their webhooks go to the front door, as they would to the API's DNS name), and the KMS keys (each
 *   region's local KMS loads the same keys.json: a multi-Region key has the same material in each region).
 *   The payout rail simulators still run in each region: Keystone's and Pulse's callbacks go to the front door, as
 *   they reach the merchant API's one name in AWS, signed with secrets both regions hold (a callback about a payout
 *   of the other region's merchant is forwarded there, decision 0049); Meridian's files stay in each region's own
 *   simulated bank, read by that region (in AWS one bank, one inbox, read by the primary: not modelled here).
 * - The replicator (local/replicator.ts) plays the global tables between the two DynamoDB Locals.
 * - The front door (local/front-door.ts) plays the Route 53 failover record in front of the two merchant APIs.
 */
export interface LocalRegionsOptions {
  readonly stateDir: string;
  readonly inMemory: boolean;
  /** The front door's port; 0 picks a free one. */
  readonly port: number;
  readonly replicationLagMs?: number;
  readonly healthCheckIntervalMs?: number;
  readonly healthCheckFailures?: number;
  /** More arguments for each region's local/start.ts (e.g. `--quiet`, `--schedule-interval-ms 1000`). */
  readonly regionArgs?: readonly string[];
  readonly regionEnv?: Readonly<Record<string, string>>;
  readonly onProgress?: (step: string) => void;
  readonly onError?: (message: string, error: unknown) => void;
}

export interface LocalRegion {
  readonly region: string;
  readonly process: StartedRuntime;
  readonly stateDir: string;
  readonly dynamoDbEndpoint: string;
}

export interface LocalRegions {
  /** The front door: the merchant API as merchants reach it. */
  readonly apiUrl: string;
  readonly frontDoor: FrontDoor;
  /** The primary first. */
  readonly regions: readonly [LocalRegion, LocalRegion];
  readonly replicator: LocalReplicator;
  readonly cardChannels: LocalCardChannels;
  stop(): Promise<void>;
}

export const startLocalRegions = async (options: LocalRegionsOptions): Promise<LocalRegions> => {
  const progress = options.onProgress ?? (() => undefined);
  mkdirSync(options.stateDir, { recursive: true });
  const names = [deployment.primaryRegion, deployment.secondaryRegion] as const;
  const frontDoorServer = options.port ? undefined : await listeningHttpServer();
  const listener = frontDoorServer ?? (await listenOn(options.port));
  const frontDoorUrl = `http://127.0.0.1:${(listener.address() as { port: number }).port}`;
  let cardChannels: LocalCardChannels | undefined;
  const started: StartedRuntime[] = [];
  let replicator: LocalReplicator | undefined;
  let frontDoor: FrontDoor | undefined;
  const stop = async () => {
    await frontDoor?.stop();
    if (!frontDoor && listener.listening) await new Promise((closed) => listener.close(closed));
    await replicator?.stop();
    await Promise.all(started.map((region) => stopRuntimeProcess(region)));
    await cardChannels?.stop();
  };
  try {
    progress('starting the acquirer simulators both regions reach');
    cardChannels = await startLocalCardChannels({ stateDir: options.stateDir, inMemory: options.inMemory, apiUrl: frontDoorUrl });
    const kmsStateDir = join(options.stateDir, 'kms');
    loadOrCreateKeys(kmsStateDir);
    // Known before either starts: each region is told the other's DynamoDB Local (the home-region move reads it)
    // and the other's merchant API (an acquirer's webhook for a merchant homed there is forwarded to it: decision 0039).
    const ports = [await freePort(), await freePort()];
    const endpoints = ports.map((port) => `http://127.0.0.1:${port}`);
    const apiPorts = [await freePort(), await freePort()];
    const { stop: _stop, ...shared } = cardChannels;
    const railSecrets = newRailNotificationSecrets();
    progress(`starting ${names.join(' and ')}`);
    const regions = await Promise.all(
      names.map(async (region, index) => {
        const stateDir = join(options.stateDir, region);
        mkdirSync(stateDir, { recursive: true });
        const config: LocalRegionOptions = {
          region,
          cardChannels: shared,
          kmsStateDir,
          seedMerchants: index === 0,
          replica: { region: names[1 - index]!, dynamoDbEndpoint: endpoints[1 - index]!, apiUrl: `http://127.0.0.1:${apiPorts[1 - index]!}` },
          payoutRails: { callbackUrl: frontDoorUrl, notificationSecrets: railSecrets },
        };
        const configFile = join(stateDir, 'region.json');
        writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
        const child = await startRuntimeProcess({
          stateDir,
          inMemory: options.inMemory,
          extraArgs: ['--region-config', configFile, '--dynamodb-port', String(ports[index]), '--port', String(apiPorts[index]), ...(options.regionArgs ?? [])],
          env: options.regionEnv,
          startTimeoutMs: 180_000,
        });
        started.push(child);
        return { region, process: child, stateDir, dynamoDbEndpoint: child.runtime.dynamoDbEndpoint } satisfies LocalRegion;
      }),
    );
    progress('starting the replicator and the front door');
    replicator = await startReplicator({
      regions: [
        { region: names[0], endpoint: endpoints[0]! },
        { region: names[1], endpoint: endpoints[1]! },
      ],
      lagMs: options.replicationLagMs,
      checkpointFile: options.inMemory ? undefined : join(options.stateDir, 'replication-checkpoints.json'),
      onError: options.onError,
    });
    frontDoor = startFrontDoor({
      server: listener,
      targets: regions.map((region) => ({ region: region.region, url: region.process.apiUrl })),
      intervalMs: options.healthCheckIntervalMs,
      failureThreshold: options.healthCheckFailures,
      onFailover: (from, to) => progress(`front door: ${from ?? 'no region'} -> ${to ?? 'no healthy region'}`),
    });
    return {
      apiUrl: frontDoor.url,
      frontDoor,
      regions: [regions[0]!, regions[1]!],
      replicator,
      cardChannels,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};

const listenOn = async (port: number) => {
  const { createServer } = await import('node:http');
  const server = createServer();
  await new Promise<void>((listening, failed) => {
    server.once('error', failed);
    server.listen(port, '127.0.0.1', () => listening());
  });
  return server;
};
