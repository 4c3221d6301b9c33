import { KeystoneMessageParser, KeystoneSoapRail, keystoneConfigFromEnv } from '../adapters/rails/keystone-soap-rail';
import { MeridianFileRail, MeridianMessageParser, meridianConfigFromEnv } from '../adapters/rails/meridian-file-rail';
import { PulseInstantRail, PulseMessageParser, pulseConfigFromEnv } from '../adapters/rails/pulse-instant-rail';
import type { PayoutChannel } from '../domain/payouts/beneficiary';
import type { PayoutRailPort, RailMessageParser } from '../ports/payout-rail';

/**
 * The payout rails of this function instance, each built (and its configuration read) on first use, so a
 * rail whose variables are missing fails its own payouts loudly without stopping the others.
 */
const rails = new Map<PayoutChannel, PayoutRailPort>();
const parsers = new Map<PayoutChannel, RailMessageParser>();

export const payoutRail = (channel: PayoutChannel): PayoutRailPort => {
  let rail = rails.get(channel);
  if (!rail) {
    switch (channel) {
      case 'meridian':
        rail = new MeridianFileRail(meridianConfigFromEnv());
        break;
      case 'keystone':
        rail = new KeystoneSoapRail(keystoneConfigFromEnv());
        break;
      case 'pulse':
        rail = new PulseInstantRail(pulseConfigFromEnv());
        break;
    }
    rails.set(channel, rail);
  }
  return rail;
};

export const railMessageParser = (channel: PayoutChannel): RailMessageParser => {
  let parser = parsers.get(channel);
  if (!parser) {
    switch (channel) {
      case 'meridian':
        parser = new MeridianMessageParser();
        break;
      case 'keystone':
        parser = KeystoneMessageParser.fromEnv();
        break;
      case 'pulse':
        parser = PulseMessageParser.fromEnv();
        break;
    }
    parsers.set(channel, parser);
  }
  return parser;
};
