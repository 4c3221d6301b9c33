import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildConsoleAssets } from '../local/console-site';

/**
 * `npm run console:build [-- --out DIR]`: the ops console's static files (index.html, console.js,
 * console.css) as `npm start` serves them under /console/, written to DIR (default dist/console) for a
 * deployment (decision 0022: the console's way into AWS is its next step).
 */
const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist/console' } } });
const out = resolve(values.out);
mkdirSync(out, { recursive: true });
for (const [name, content] of Object.entries(await buildConsoleAssets())) writeFileSync(join(out, name), content);
console.log(`ops console written to ${out}`);
