import { KeystoneMessageParser, KeystoneSoapRail, keystoneConfigFromEnv } from '../adapters/rails/keystone-soap-rail';
import { MeridianFileRail, MeridianMessageParser, meridianConfigFromEnv } from '../adapters/rails/meridian-file-rail';
import { PulseInstantRail, PulseMessageParser, pulseConfigFromEnv } from '../adapters/rails/pulse-instant-rail';
import type { PayoutChannel } from '../domain/payouts/beneficiary';
import { HttpRailMessageForwarder } from '../adapters/http/rail-message-forwarder';
import type { PayoutRailPort, RailMessageParser } from '../ports/payout-rail';
import { awsRegion } from '../shared/config';
import { secretBoundCache } from '../shared/secrets';
import type { ReceiveRailMessageDeps } from '../use-cases/payouts/receive-rail-message';
import { merchantHomes } from './home-region';
import { otherRegionApiUrls } from './region-api-urls';

/**
 * The payout rails of this function instance, each built (and its configuration read) on first use, so a
 * rail whose variables are missing fails its own payouts loudly without stopping the others; built again
 * after a secret rotation (lambdas/shared/secrets.ts), so a warm instance uses the new API key.
 */
export const payoutRail = secretBoundCache((channel: PayoutChannel): PayoutRailPort => {
  switch (channel) {
    case 'meridian':
      return new MeridianFileRail(meridianConfigFromEnv());
    case 'keystone':
      return new KeystoneSoapRail(keystoneConfigFromEnv());
    case 'pulse':
      return new PulseInstantRail(pulseConfigFromEnv());
  }
});

/** The parsers of the rails' messages, which hold the notification secrets: rebuilt after a rotation too. */
export const railMessageParser = secretBoundCache((channel: PayoutChannel): RailMessageParser => {
  switch (channel) {
    case 'meridian':
      return MeridianMessageParser.fromEnv();
    case 'keystone':
      return KeystoneMessageParser.fromEnv();
    case 'pulse':
      return PulseMessageParser.fromEnv();
  }
});

let forwarding: ReceiveRailMessageDeps['forwarding'];

/**
 * How a rail's message about payouts of merchants homed in another region reaches them (decision 0049): the
 * merchants' home markers, and the other regions' merchant APIs (REGION_API_URLS, as for the acquirers' webhooks,
 * decision 0039). Absent without REGION_API_URLS (one region, the one-region local runtime): every event is
 * applied where it arrives, as before.
 */
export const railMessageForwarding = (): ReceiveRailMessageDeps['forwarding'] => {
  if (forwarding) return forwarding;
  const urls = otherRegionApiUrls();
  if (!urls) return undefined;
  forwarding = { homes: merchantHomes(), forwarder: new HttpRailMessageForwarder(urls, awsRegion()) };
  return forwarding;
};
