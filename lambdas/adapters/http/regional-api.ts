/**
 * A POST to another region's own merchant API (its regional endpoint, not the failover name, which could lead
 * back here), for what this region forwards to a merchant's home region (decisions 0039 and 0049). The base URLs
 * are configuration (REGION_API_URLS: only the deployment's own regions' endpoints, never a URL from a request).
 * No redirect is followed; a network failure or a timeout is an answer of 503 (the sender is told to retry).
 * The answer's body is returned as text (the acquirer webhooks' per-event outcomes).
 * Undefined when no endpoint of that region is configured.
 */
export const postToRegionalApi = async (
  baseUrls: Readonly<Record<string, string>>,
  region: string,
  request: { readonly path: string; readonly headers: Readonly<Record<string, string>>; readonly body: string; readonly timeoutMs: number },
): Promise<{ readonly status: number; readonly body: string } | undefined> => {
  const baseUrl = baseUrls[region];
  if (!baseUrl) return undefined;
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${request.path}`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await response.text().catch(() => '');
    return { status: response.status, body };
  } catch {
    return { status: 503, body: '' };
  }
};
