// Dependency boundaries of SyncFrame, checked by dependency-cruiser in `npm test` (`npm run boundaries`).
// DESIGN.md, "Ports and adapters", says why these rules exist. Paths are relative to the repository root;
// @syncframe/* imports resolve to the packages' sources through tsconfig.dev.json's `paths`, so a rule on a
// folder (`^apps/`) also catches the same thing imported by its package name.
// Only production code is cruised (`libs/**/src`, `apps/**/src`, see the `boundaries` script); tests, benches and
// deploy checks may wire anything together. Anything a src file imports is still followed, so src → test/** is seen.

/** Each package's folder and the packages it may import. The table is a DAG (checked below), so packages cannot import each other in a circle. */
const PACKAGES = {
  'libs/engine': [],
  'libs/adapters/common': ['libs/engine'],
  'libs/adapters/airtable': ['libs/engine', 'libs/adapters/common'],
  'libs/adapters/webflow': ['libs/engine', 'libs/adapters/common'],
  // A table in the user's own PostgreSQL: the one adapter whose remote is a database, so it uses pg (rule adapters-no-link-index-or-queue).
  'libs/adapters/postgres': ['libs/engine', 'libs/adapters/common'],
  // The registry of the adapters SyncFrame ships (BUILTIN_ADAPTER_PLUGINS) and the `memory` adapter: the one place that names them.
  'libs/adapters/builtin': ['libs/engine', 'libs/adapters/common', 'libs/adapters/airtable', 'libs/adapters/webflow', 'libs/adapters/postgres'],
  'libs/linkindex': ['libs/engine'],
  // Config validates with the link index's rules (driver-free module only, rule config-reads-definitions-only) and every side
  // with its adapter plug-in's own schema (@syncframe/adapter-kit/plugin): it names no adapter.
  'libs/config': ['libs/engine', 'libs/linkindex', 'libs/adapters/common'],
  // The fake Airtable/Webflow APIs (`syncframe demo`, tests, the saturation bench): no SyncFrame package at all.
  'libs/fakes': [],
  // Test-only (private); nothing in production imports it (rule production-not-test-kit).
  'libs/test-kit': ['libs/engine', 'libs/fakes', 'libs/linkindex', 'libs/config', 'libs/fleet', 'libs/adapters/builtin'],
  // The fleet builds every side through its plug-in and loads configs with the built-in registry: it names no adapter either.
  'libs/fleet': ['libs/engine', 'libs/linkindex', 'libs/config', 'libs/adapters/common', 'libs/adapters/builtin'],
  'apps/scheduler': ['libs/engine', 'libs/fleet'],
  'apps/worker': ['libs/engine', 'libs/fleet'],
  'apps/board': ['libs/engine', 'libs/config', 'libs/linkindex', 'libs/fleet', 'libs/adapters/builtin'],
  // The CLI is the one binary that composes the others (`syncframe worker`, `syncframe board`, the demo).
  'apps/cli': ['libs/engine', 'libs/config', 'libs/linkindex', 'libs/fleet', 'libs/adapters/common', 'libs/adapters/builtin',
    'libs/adapters/airtable', 'libs/adapters/webflow', 'libs/fakes', 'apps/scheduler', 'apps/worker', 'apps/board'],
};

(function assertAcyclic() {
  const state = new Map();
  const visit = (pkg, trail) => {
    if (state.get(pkg) === 'done') return;
    if (state.get(pkg) === 'open') throw new Error(`.dependency-cruiser.cjs: PACKAGES has a cycle: ${[...trail, pkg].join(' → ')}`);
    if (!(pkg in PACKAGES)) throw new Error(`.dependency-cruiser.cjs: unknown package ${pkg}`);
    state.set(pkg, 'open');
    for (const dep of PACKAGES[pkg]) visit(dep, [...trail, pkg]);
    state.set(pkg, 'done');
  };
  for (const pkg of Object.keys(PACKAGES)) visit(pkg, []);
})();

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const anyOf = (folders) => `^(${folders.map(esc).join('|')})/`;
/** An npm package, resolved (`node_modules/x/…`, possibly through `../`) or not (bare `x`). */
const npm = (names) => `(^|/)node_modules/(${names.map(esc).join('|')})/|^(${names.map(esc).join('|')})$`;

const DRIVERS = ['pg', 'pg-pool', 'pg-cursor', 'postgres', '@electric-sql/pglite', 'drizzle-orm', 'drizzle-kit'];
const QUEUE_STACK = ['bullmq', 'ioredis', 'redis', '@bull-board/api', '@bull-board/express'];
const HTTP_CLIENTS = ['undici', 'express', 'node-fetch', 'cross-fetch', 'axios', 'got', 'ky', 'superagent', 'ws', 'nock'];
const NET_BUILTINS = '^(node:)?(http|https|http2|net|tls|dgram|dns|dns/promises)$';
/** Production code of any package. */
const SRC = '^(libs/adapters/[^/]+|libs/[^/]+|apps/[^/]+)/src/';
const APP_NAMES = ['@syncframe/cli', '@syncframe/worker', '@syncframe/scheduler', '@syncframe/board'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'engine-no-infrastructure',
      comment:
        'libs/engine holds the ports and the cycle: it imports no adapter, no database driver, no BullMQ/Redis and no HTTP client or networking built-in. '
        + 'Implementations live outside and are handed in (DESIGN.md, Ports and adapters).',
      severity: 'error',
      from: { path: '^libs/engine/src/' },
      to: {
        path: [npm([...DRIVERS, ...QUEUE_STACK, ...HTTP_CLIENTS]), NET_BUILTINS, '^libs/adapters/',
          npm(['@syncframe/adapter-kit', '@syncframe/adapter-airtable', '@syncframe/adapter-webflow', '@syncframe/adapter-postgres', '@syncframe/builtin-adapters'])],
      },
    },
    {
      name: 'engine-npm-allowlist',
      comment:
        'Besides node built-ins the engine depends on pino only; a new npm dependency of the engine is a design decision, so it is added here on purpose.',
      severity: 'error',
      from: { path: '^libs/engine/src/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'unknown'], pathNot: npm(['pino']) },
    },
    {
      name: 'libs-not-apps',
      comment: 'Libraries never import an app: apps are the thin wiring on top (STYLE.md 2). Caught by path and by package name.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: ['^apps/', npm(APP_NAMES)] },
    },
    {
      name: 'adapters-no-link-index-or-queue',
      comment:
        'A SourceAdapter talks to one remote API. Links, cursors and queues are the engine\'s and the fleet\'s business: '
        + 'adapters import no LinkIndex, no BullMQ/Redis and no database driver.',
      severity: 'error',
      from: { path: '^libs/adapters/[^/]+/src/', pathNot: '^libs/adapters/postgres/src/' },
      to: { path: ['^libs/linkindex/', npm(['@syncframe/linkindex', ...QUEUE_STACK, ...DRIVERS])] },
    },
    {
      name: 'postgres-adapter-no-link-index-or-queue',
      comment:
        'The PostgreSQL adapter\'s remote is a database, so it may use pg (and pg-connection-string); like every adapter it imports no LinkIndex and no BullMQ/Redis.',
      severity: 'error',
      from: { path: '^libs/adapters/postgres/src/' },
      to: { path: ['^libs/linkindex/', npm(['@syncframe/linkindex', ...QUEUE_STACK, 'postgres', '@electric-sql/pglite', 'drizzle-orm', 'drizzle-kit'])] },
    },
    {
      name: 'bullmq-only-in-fleet',
      comment:
        'BullMQ lives in libs/fleet: queue names, job data and options (queues.ts), the Queue/Worker objects (fleet-queues.ts: '
        + 'openFleetQueues, openRunWorker, openTickWorker), the processors and the scheduler reconciliation. The apps hold '
        + 'those objects by the fleet\'s types (RunQueue, FleetQueues, RunWorker) and never import bullmq themselves.',
      severity: 'error',
      from: { path: SRC, pathNot: ['^libs/fleet/src/'] },
      to: { path: npm(['bullmq']) },
    },
    {
      name: 'config-reads-definitions-only',
      comment:
        'libs/config checks the config file against the link index\'s own definitions (schema name pattern, PGlite default '
        + 'folder), imported from its driver-free module (@syncframe/linkindex/config), and each side against its adapter '
        + 'plug-in\'s schema through the plug-in contract (@syncframe/adapter-kit/plugin), so that libs/config itself never '
        + 'loads a database driver or an HTTP client (the host hands it the plug-ins, which load what they need).',
      severity: 'error',
      from: { path: '^libs/config/src/' },
      to: {
        path: '^libs/(linkindex|adapters/[^/]+)/',
        pathNot: ['^libs/linkindex/src/config\\.ts$', '^libs/adapters/common/src/adapter-(plugin|wiring)\\.ts$'],
      },
    },
    {
      name: 'production-not-test-code',
      comment: 'Production code (src/**) never imports test code (test/**, fixtures, specs).',
      severity: 'error',
      from: { path: SRC },
      to: { path: ['(^|/)(test|tests|__tests__)/', '\\.(test|spec)\\.ts$'] },
    },
    {
      name: 'production-not-test-kit',
      comment:
        'Production code (libs/*/src, apps/*/src) never imports the private test kit (@syncframe/test-kit, libs/test-kit: '
        + 'InMemoryAdapter, InMemoryLinkIndex, clocks, contract suites, harnesses), by package name or by path, nor a '
        + '`src/testing` folder. The fakes the demo ships are a production package of their own (@syncframe/fakes).',
      severity: 'error',
      from: { path: SRC, pathNot: ['^libs/test-kit/', '/src/testing/'] },
      to: { path: ['^libs/test-kit/', npm(['@syncframe/test-kit']), '/src/testing/'] },
    },
    {
      name: 'no-circular',
      comment:
        'No module imports itself at run time through a chain of imports, within or across packages (ESM evaluation order '
        + 'breaks in a cycle). Cycles with a type-only edge are erased by the compiler and allowed: a port and its value '
        + 'types may name each other (engine link-index.ts ⇄ conflict.ts).',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    // One rule per package: what it may import from the other packages (the DAG above).
    ...Object.entries(PACKAGES).map(([pkg, allowed]) => ({
      name: `package-deps:${pkg}`,
      comment: `${pkg} imports only ${allowed.length ? allowed.join(', ') : 'no other SyncFrame package'} (PACKAGES in .dependency-cruiser.cjs; acyclic, so packages never depend on each other in a circle).`,
      severity: 'error',
      from: { path: `^${esc(pkg)}/` },
      to: {
        path: ['^(libs|apps)/', '(^|/)node_modules/@syncframe/'],
        pathNot: anyOf([pkg, ...allowed]),
      },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(libs/adapters/[^/]+|libs/[^/]+|apps/[^/]+)/dist/' },
    tsConfig: { fileName: 'tsconfig.dev.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: true,
    cache: false,
  },
};
