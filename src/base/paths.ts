import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the package's files are, whether this code runs from its sources under tsx (development,
 * the tests, the CLI) or from the build in dist/ (`npm start`, scripts/build.mjs), where modules
 * live in chunks and `import.meta.url` says nothing about the source tree.
 */
declare const SWITCHBOARD_BUILD: boolean | undefined;

/** True when running the JavaScript that scripts/build.mjs wrote to dist/. */
export const compiled: boolean = typeof SWITCHBOARD_BUILD !== 'undefined' && SWITCHBOARD_BUILD === true;

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The directory holding package.json, src/, bots/ and dist/. */
export const packageRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));
