/**
 * The layering of Switchboard, checked by `npm test` (`npm run lint:deps`). Data flows one way:
 * receive -> store -> pipeline -> bots -> outbox -> providers' clients; the wiring in src/app/ puts
 * it together. A rule broken prints the file, the import and the rule's name.
 */
const core = '^src/(model|base|store|pipeline|outbox|bots)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make the floors meaningless; move the shared name below both.', from: {}, to: { circular: true } },
    {
      name: 'core-not-providers',
      severity: 'error',
      comment: 'The core (model, base, store, pipeline, outbox, bots runtime) sees providers only through src/providers/types.ts.',
      from: { path: core },
      to: { path: '^src/providers/', pathNot: '^src/providers/types\\.ts$' },
    },
    {
      name: 'model-and-base-at-the-bottom',
      severity: 'error',
      comment: 'src/model/ and src/base/ are what everything stands on: they import nothing else of src/.',
      from: { path: '^src/(model|base)/' },
      to: { path: '^src/', pathNot: '^src/(model|base)/' },
    },
    {
      name: 'store-below-the-pipeline',
      severity: 'error',
      comment: 'The store is a floor: it never imports the pipeline, the outbox, bots, the receiver, admin, the console or the wiring.',
      from: { path: '^src/store/' },
      to: { path: '^src/(pipeline|outbox|bots|receive|admin|console|app|cli|testing)/' },
    },
    {
      name: 'providers-not-up',
      severity: 'error',
      comment: 'A provider folder is its schemas, normalize and client: it never imports the receiver, the store, the pipeline, the console, bots or the wiring.',
      from: { path: '^src/providers/' },
      to: { path: '^(src/(receive|admin|store|pipeline|outbox|bots|console|app|cli|testing)/|bots/)' },
    },
    {
      name: 'core-not-the-edges',
      severity: 'error',
      comment: 'The core never imports the HTTP edges (receive, admin, console), the CLI or the wiring.',
      from: { path: core },
      to: { path: '^src/(receive|admin|console|app|cli|testing)/' },
    },
    {
      name: 'console-from-the-wiring-only',
      severity: 'error',
      comment: "The operator console's server side (src/console/) is an edge: only the wiring (src/app/) and the CLI use it; the core, the admin API and providers never import it.",
      from: { path: '^src/', pathNot: '^src/(app|cli|console)/' },
      to: { path: '^src/console/' },
    },
    {
      name: 'console-ui-is-browser-code',
      severity: 'error',
      comment: 'The console page (src/console-ui/) runs in the browser: it imports its own files and browser packages, never the server.',
      from: { path: '^src/console-ui/' },
      to: { path: '^(src/(?!console-ui/)|bots/|test/)' },
    },
    {
      name: 'server-not-the-console-ui',
      severity: 'error',
      comment: 'Nothing on the server imports the browser code; it reaches the server as files built into dist/console/.',
      from: { path: '^(src/(?!console-ui/)|bots/)' },
      to: { path: '^src/console-ui/' },
    },
    {
      name: 'bots-use-the-public-entry',
      severity: 'error',
      comment: "A shipped bot imports only the package's public entry ('switchboard') and npm packages, as a user's bot would.",
      from: { path: '^bots/[^/]+\\.ts$', pathNot: '\\.test\\.ts$' },
      to: { path: '^(src|test|bench|scripts)/', pathNot: '^src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
