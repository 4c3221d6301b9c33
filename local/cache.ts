import { join } from 'node:path';

/**
 * A directory of node_modules/.cache for work the local runtime and the tests would otherwise repeat at
 * every start (DynamoDB Local's compiled launcher, the state machines that passed validation). `npm ci`
 * removes node_modules, so a fresh install starts with none of it.
 */
export const localCacheDir = (name: string): string => join(import.meta.dirname, '..', 'node_modules', '.cache', name);
