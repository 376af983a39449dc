// Norn's layering, checked by `npm run lint:deps` (part of the test command). Lower layers never
// import higher ones: core < bus, storage, logql < actors < gateway < app < bin; tools and the
// web UI stand beside the server and use only its pure, low-level modules.
/** @type {import('dependency-cruiser').IConfiguration} */
// Tests stand above everything they test: they may import test helpers and anything below.
const TESTS = '\\.test\\.ts$';
const SHIPPED_NOT_TEST = { pathNot: ['\\.test\\.ts$', '(^|/)testing/', '^test/'] };

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Import cycles make modules impossible to read or test alone.', from: {}, to: { circular: true } },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment: 'core/ is the shared model, errors, limits and Go-compatible helpers: it imports nothing of Norn above it.',
      from: { path: '^core/', pathNot: TESTS },
      to: { path: '^(bus|storage|logql|actors|gateway|app|bin|tools|ui|test)/' },
    },
    {
      name: 'bus-storage-logql-are-independent',
      severity: 'error',
      comment: 'The bus, storage and LogQL are libraries over core/: none imports another, nor anything above.',
      from: { path: '^(bus|storage|logql)/', pathNot: TESTS },
      to: { path: '^(bus|storage|logql|actors|gateway|app|bin|tools|ui|test)/', pathNot: '^$1/' },
    },
    {
      name: 'actors-do-not-import-upward',
      severity: 'error',
      comment: 'Components under actors/ know nothing of the HTTP edge, the composition root or the tools.',
      from: { path: '^actors/', pathNot: TESTS },
      to: { path: '^(gateway|app|bin|tools|ui|test)/' },
    },
    {
      name: 'components-meet-through-interfaces',
      severity: 'error',
      comment: "Other components use the ingester through its wire protocol only (actors/ingester/protocol.ts, and its binary push form in protocol-codec.ts).",
      from: { path: '^actors/(?!ingester/)', pathNot: TESTS },
      to: { path: '^actors/ingester/', pathNot: '^actors/ingester/protocol(-codec)?\\.ts$' },
    },
    {
      name: 'gateway-does-not-import-upward',
      severity: 'error',
      comment: 'The HTTP edge decodes, routes and encodes; it is wired by app/, never the other way round.',
      from: { path: '^gateway/', pathNot: TESTS },
      to: { path: '^(app|bin|tools|ui|test)/' },
    },
    {
      name: 'gateway-uses-component-interfaces',
      severity: 'error',
      comment: "The HTTP edge talks to components through their interfaces (api.ts, *-api.ts), not their insides.",
      from: { path: '^gateway/', pathNot: TESTS },
      to: { path: '^actors/', pathNot: '^actors/[^/]+/[a-z-]*api\\.ts$' },
    },
    {
      name: 'app-is-only-below-bin',
      severity: 'error',
      comment: 'The composition root is imported by the command line (and tests) only.',
      from: { path: '^(?!app/|bin/|test/)', pathNot: '\\.test\\.ts$' },
      to: { path: '^app/' },
    },
    {
      name: 'tools-are-clients',
      severity: 'error',
      comment: "The CLI, agent and canary speak Loki's HTTP API; they must not reach into the server.",
      from: { path: '^tools/', pathNot: TESTS },
      to: { path: '^(actors|app|bin|test)/' },
    },
    {
      name: 'ui-is-browser-code',
      severity: 'error',
      comment: 'The web UI is bundled for the browser: it imports none of the server.',
      from: { path: '^ui/' },
      to: { path: '^(core|bus|storage|logql|actors|gateway|app|bin|tools|test)/' },
    },
    {
      name: 'no-test-support-in-the-package',
      severity: 'error',
      comment: 'Shipped code never imports tests or test support (testing/ folders are left out of the build).',
      from: SHIPPED_NOT_TEST,
      to: { path: ['(^|/)testing/', '^test/', '\\.test\\.ts$'] },
    },
    {
      name: 'no-dev-dependencies-in-the-package',
      severity: 'error',
      comment: 'What ships must run with production dependencies only.',
      from: { ...SHIPPED_NOT_TEST, pathNot: [...SHIPPED_NOT_TEST.pathNot, '^ui/'] },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist/', '^node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
