import { MERIDIAN_INBOX } from '../adapters/rails/meridian-file-rail';
import { SftpRailInbox } from '../adapters/sftp/rail-inbox-sftp';
import { SftpSession, sftpEndpointFromEnv } from '../adapters/sftp/sftp-session';
import type { RailInbox } from '../ports/rail-inbox';
import { secretBoundCache } from '../shared/secrets';

/**
 * The scheduled pull of Meridian's inbox (the payout area's composition root for it, with ./payouts.ts): the
 * bank's SFTP server as `submitPayout` reaches it (MERIDIAN_SFTP_URL, with MERIDIAN_SFTP_PRIVATE_KEY and the
 * pinned MERIDIAN_SFTP_HOST_KEY, secrets: decision 0028), the session built again after a secret rotation.
 * Apart from ./payouts.ts so that the functions reading the payouts table alone do not bundle the SSH client.
 */
const meridianSession = secretBoundCache((_: 'meridian') => new SftpSession(sftpEndpointFromEnv('MERIDIAN')));

/** Run `work` on Meridian's /inbox over one SFTP connection (checking the pinned host key), closed after it. */
export const withMeridianInbox = <T>(work: (inbox: RailInbox) => Promise<T>): Promise<T> =>
  meridianSession('meridian').use((files) => work(new SftpRailInbox(files, MERIDIAN_INBOX)));
