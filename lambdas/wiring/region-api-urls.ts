import * as z from 'zod/mini';
import { awsRegion, readConfig } from '../shared/config';

/**
 * The other regions' own merchant API base URLs, where what belongs to a merchant homed there is forwarded (acquirer
 * webhooks, decision 0039; payout rails' messages, decision 0049): REGION_API_URLS, a JSON object of region → that
 * region's regional API base URL (lib/ sets it from `-c regionalApiUrls` on the functions that `forwardsToHomeRegion`;
 * the two-region local platform from its ports), this region left out. Undefined without it: one region, or a
 * deployment that has not been given the URLs; nothing is then forwarded. Read on each call: the callers keep
 * what they build from it.
 */
export const otherRegionApiUrls = (): Readonly<Record<string, string>> | undefined => {
  const { REGION_API_URLS } = readConfig({ REGION_API_URLS: z.optional(z.string()) });
  if (!REGION_API_URLS) return undefined;
  const urls = z.record(z.string(), z.url({ protocol: /^https?$/ })).safeParse(JSON.parse(REGION_API_URLS));
  if (!urls.success) throw new Error('REGION_API_URLS must be a JSON object of region to URL');
  return Object.fromEntries(Object.entries(urls.data).filter(([region]) => region !== awsRegion()));
};
