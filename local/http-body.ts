import type { IncomingMessage } from 'node:http';

/**
 * The whole body of a request to one of the local servers, as UTF-8. Past `maxBytes` it rejects with
 * `tooLarge()` (each server answers in its own protocol's words) and stops reading: `'drain'` keeps the
 * socket open so the server can still answer (HTTP APIs answer 413), `'destroy'` hangs up (what AWS's
 * JSON endpoints do with an oversized request).
 *
 * Hand-written rather than `node:stream/consumers` `text()`: that reads without a limit.
 */
export const readBody = (
  request: IncomingMessage,
  limit: { readonly maxBytes: number; readonly tooLarge: () => Error; readonly onExcess?: 'drain' | 'destroy' } = {
    maxBytes: 1024 * 1024,
    tooLarge: () => new Error('request body too large'),
  },
): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit.maxBytes) {
        refused = true;
        reject(limit.tooLarge());
        if ((limit.onExcess ?? 'drain') === 'destroy') request.destroy();
        else request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
