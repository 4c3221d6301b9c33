import { KeystoneMessageParser, KeystoneSoapRail, keystoneConfigFromEnv } from '../adapters/rails/keystone-soap-rail';
import { MeridianFileRail, MeridianMessageParser, meridianConfigFromEnv } from '../adapters/rails/meridian-file-rail';
import { PulseInstantRail, PulseMessageParser, pulseConfigFromEnv } from '../adapters/rails/pulse-instant-rail';
import type { PayoutChannel } from '../domain/payouts/beneficiary';
import type { PayoutRailPort, RailMessageParser } from '../ports/payout-rail';
import { secretBoundCache } from '../shared/secrets';

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

