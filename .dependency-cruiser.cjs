// The layer rules of src/ (docs/architecture.md draws them). `npm run layers` checks them; CI runs it.
// Each folder may import only the folders below it. A folder's own files import each other
// directly; every other folder goes through its index.ts.

/** Folder → the folders it may import, bottom layer first. */
const layers = {
  errors: [],
  core: ['errors'],
  config: ['core', 'errors'],
  window: ['core', 'errors'],
  backpressure: ['core', 'errors'],
  dsl: ['core', 'errors', 'window'],
  task: ['core', 'errors', 'window', 'dsl'],
  coordinator: ['core', 'errors', 'window', 'dsl', 'task', 'backpressure'],
  codecs: ['core', 'errors', 'config'],
  log: ['core', 'errors', 'config'],
  kafka: ['core', 'errors', 'config', 'codecs', 'window', 'backpressure', 'dsl', 'task', 'coordinator'],
  sinks: ['core', 'errors', 'config', 'codecs', 'dsl', 'task', 'coordinator', 'kafka'],
  checkpoint: ['core', 'errors', 'config', 'codecs', 'window', 'dsl', 'task', 'coordinator'],
  sources: ['core', 'errors', 'config', 'backpressure', 'task', 'coordinator'],
  jobs: ['core', 'errors', 'config', 'window', 'dsl'],
  scenarios: ['core', 'errors'],
  app: [
    'core',
    'errors',
    'config',
    'codecs',
    'log',
    'window',
    'backpressure',
    'dsl',
    'task',
    'coordinator',
    'kafka',
    'sinks',
    'checkpoint',
    'sources',
    'jobs',
  ],
  admin: ['core', 'errors', 'config', 'log', 'coordinator', 'app'],
  bench: ['core', 'errors', 'config', 'codecs', 'task', 'kafka'],
  testing: ['core', 'errors', 'config', 'window', 'dsl', 'task', 'coordinator', 'sources'],
  // The package's entry point (`sluice`): re-exports only.
  api: ['core', 'errors', 'window', 'dsl', 'task', 'coordinator', 'app'],
  cli: [
    'core',
    'errors',
    'config',
    'codecs',
    'log',
    'window',
    'dsl',
    'task',
    'coordinator',
    'kafka',
    'sinks',
    'checkpoint',
    'sources',
    'jobs',
    'app',
    'admin',
    'testing',
    'bench',
    'scenarios',
  ],
};

const folderRules = Object.entries(layers).map(([folder, below]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ may import only ${below.length ? below.map((b) => `src/${b}/`).join(', ') : 'its own files'} (layers in docs/architecture.md)`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: [`^src/(${[folder, ...below].join('|')})/`] },
}));

/** What a worker slot must never load: network and file I/O, the Kafka and Postgres clients, metrics, logging, native addons. */
const io = [
  '^node_modules/(kafkajs|pg|pg-[a-z-]+|prom-client|pino|pino-[a-z-]+|lz4-napi|snappy)/',
  '^(node:)?(net|tls|dgram|http|https|http2|fs|fs/promises|child_process|cluster)$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'no import cycle, between files or between folders; a cycle through type-only imports within a folder (a class and the base classes whose methods return it) is erased at run time',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-across-folders',
      comment: 'no import cycle that leaves a folder, type-only imports included',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { circular: true, pathNot: '^src/$1/' },
    },
    {
      name: 'through-index',
      comment: "another folder's files are reached through its index.ts",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/([^/]+)/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'task-no-io',
      comment: 'src/task/ runs in the worker slots: nothing it loads, directly or not, does I/O or logs',
      severity: 'error',
      from: { path: '^src/task/' },
      to: { path: io, reachable: true },
    },
    ...folderRules,
    {
      name: 'unknown-folder',
      comment: 'every folder of src/ has its place in the layers of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: [`^src/(${Object.keys(layers).join('|')})/`] },
      to: {},
    },
  ],
  options: {
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/admin/dashboard/' },
  },
};
