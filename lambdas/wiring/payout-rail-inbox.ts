import { SftpSession, sftpEndpointFromEnv } from '../adapters/sftp/sftp-session';
import { secretBoundCache } from '../shared/secrets';

/**
 * The scheduled pull of Meridian's inbox (the payout area's composition root for it, with ./payouts.ts): the
 * bank's SFTP server as `submitPayout` reaches it (MERIDIAN_SFTP_URL, with MERIDIAN_SFTP_PRIVATE_KEY and the
 * pinned MERIDIAN_SFTP_HOST_KEY, secrets: decision 0028), built again after a secret rotation. Apart from
 * ./payouts.ts so that the functions reading the payouts table alone do not bundle the SSH client.
 */
export const meridianInboxSession = secretBoundCache((_: 'meridian') => new SftpSession(sftpEndpointFromEnv('MERIDIAN')));
