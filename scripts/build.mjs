// `npm run build` (also run by `npm install` and before every `npm start`): compile the server and
// every bot in bots/ to plain JavaScript in dist/, so the running process needs no TypeScript
// loader. Under tsx, Node 20 runs module hooks on an extra thread per JavaScript thread (the
// processing thread too): idle RSS was 205 MB under tsx and is 119 MB from dist/ (BENCHMARKS.md,
// round 4). Development (`npm run dev`) and the tests still run the sources through tsx.
//
// One bundle with shared chunks: the server's entries and each bot are entry points, and every
// module (the 'switchboard' package the bots import included) is in exactly one chunk, so a bot's
// `ConfigError` or `defineBot` is the server's own. Packages in node_modules stay imports.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');
const started = Date.now();
const quiet = process.argv.includes('--quiet');
const force = process.argv.includes('--force');

// What the build reads: when none of it changed since the last build, dist/ is left alone (so
// `npm start` of a second instance from the same checkout never rewrites the files a first one runs).
function signature() {
  const files = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(`${relative(root, p)} ${statSync(p).mtimeMs} ${statSync(p).size}`);
    }
  };
  walk(join(root, 'src'));
  walk(join(root, 'bots'));
  for (const f of ['scripts/build.mjs', 'package.json']) files.push(`${f} ${statSync(join(root, f)).mtimeMs}`);
  return createHash('sha256').update(files.sort().join('\n')).digest('hex');
}
const stampFile = join(out, '.build-signature');
const sig = signature();
const upToDate = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sig;
if (!force && upToDate()) {
  if (!quiet) process.stdout.write('dist/ is up to date\n');
  process.exit(0);
}

// One build at a time per checkout (two instances started together after a deploy): the second
// waits for the first, then finds dist/ up to date. A lock whose owner died is taken over.
const lockDir = `${out}.lock`;
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};
for (const giveUp = Date.now() + 120_000; ; ) {
  try {
    mkdirSync(lockDir);
    writeFileSync(join(lockDir, 'pid'), String(process.pid));
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      /* being created or removed */
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(lockDir, { recursive: true, force: true });
    else if (Date.now() > giveUp) {
      process.stderr.write(`Another build holds ${lockDir} (pid ${owner}); if none is running, remove that directory and run \`npm run build\` again.\n`);
      process.exit(1);
    } else await new Promise((r) => setTimeout(r, 50));
  }
}
process.on('exit', () => rmSync(lockDir, { recursive: true, force: true }));
if (!force && upToDate()) {
  if (!quiet) process.stdout.write('dist/ is up to date (built meanwhile)\n');
  process.exit(0);
}

const bots = readdirSync(join(root, 'bots'))
  .filter((f) => /\.(ts|js|mjs)$/.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'))
  .map((f) => `bots/${f}`);
const entryPoints = ['src/main.ts', 'src/app/processing-thread.ts', 'src/cli/main.ts', 'src/index.ts', ...bots];

// The package's own name resolves to its sources (package.json "exports"); everything else that
// is not a relative path is a package in node_modules and stays external.
const self = {
  name: 'switchboard-self',
  setup(b) {
    b.onResolve({ filter: /^switchboard(\/testing)?$/ }, (args) => ({
      path: join(root, args.path === 'switchboard' ? 'src/index.ts' : 'src/testing/index.ts'),
    }));
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('switchboard') ? undefined : { path: args.path, external: true }));
  },
};

// Built beside dist/, then swapped in: a process running from the old dist/ keeps its files.
const next = `${out}.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
try {
  // Loaded only when there is something to build: an up-to-date dist/ starts without esbuild.
  const { build } = await import('esbuild');
  await build({
    absWorkingDir: root,
    entryPoints,
    outdir: next,
    outbase: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    // src/base/paths.ts: "this code runs from dist/"
    define: { SWITCHBOARD_BUILD: 'true' },
    plugins: [self],
    logLevel: 'warning',
  });
  await buildConsole(build, join(next, 'console'));
} catch (err) {
  rmSync(next, { recursive: true, force: true });
  // esbuild has printed its own compile errors; anything else (esbuild missing, say) is shown here.
  if (!Array.isArray(err?.errors)) process.stderr.write(`${err?.message ?? err}\n`);
  process.stderr.write('Build failed; fix the above and run `npm run build` again (`npm install` installs esbuild).\n');
  process.exit(1);
}
if (!existsSync(join(next, 'src', 'main.js'))) {
  process.stderr.write('Build produced no dist/src/main.js\n');
  process.exit(1);
}
writeFileSync(join(next, '.build-signature'), sig);
const old = `${out}.old-${process.pid}`;
if (existsSync(out)) renameSync(out, old);
renameSync(next, out);
rmSync(old, { recursive: true, force: true });
if (!quiet) process.stdout.write(`built dist/ (${entryPoints.length} entries, ${bots.length} bots) in ${Date.now() - started} ms\n`);

/**
 * The operator console's page (src/console-ui/, Preact + htm): one minified browser bundle and its
 * CSS under content-hashed names (served with a year's cache), and index.html naming them.
 */
async function buildConsole(build, dir) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/console-ui/main.ts'],
    outdir: join(dir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    metafile: true,
    // The page's tsconfig is for type-checking (it extends the root one, which a deployed copy may lack).
    tsconfigRaw: '{}',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => f.split('/').pop());
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  const html = readFileSync(join(root, 'src', 'console-ui', 'index.html'), 'utf8')
    .replace('%JS%', js)
    .replace('%CSS%', css);
  writeFileSync(join(dir, 'index.html'), html);
}
