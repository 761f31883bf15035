// Bundles the extension host code and the CLI: `node esbuild.js [--production] [--watch]`.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'info',
  // ssh2 (through dockerode's docker-modem) loads two optional native parts inside try/catch and
  // falls back to JavaScript without them: leave them out of the bundle so it loads anywhere.
  external: ['vscode', 'cpu-features', '*.node'],
};

/**
 * The daemon engine (dockerode, ssh2, grpc: ~900 KB) is its own file, required on first connect,
 * so activating the extension reads and compiles only the small main bundle.
 * @type {import('esbuild').Plugin}
 */
const daemonEngineApart = {
  name: 'daemon-engine-apart',
  setup(build) {
    build.onResolve({ filter: /\/daemon\/daemonEngine$/ }, () => ({ path: './daemonEngine.js', external: true }));
  },
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [daemonEngineApart] },
  { ...common, entryPoints: ['src/engine/daemon/daemonEngine.ts'], outfile: 'dist/daemonEngine.js' },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', plugins: [daemonEngineApart] },
];

/** Lines the "npm: watch" task in .vscode/tasks.json waits for, so F5 starts after a build. */
const watchMarkers = {
  name: 'watch-markers',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd(() => console.log('[watch] build finished'));
  },
};

(async () => {
  if (watch) {
    for (const options of builds) await (await esbuild.context({ ...options, plugins: [...(options.plugins ?? []), watchMarkers] })).watch();
    return;
  }
  await Promise.all(builds.map((options) => esbuild.build(options)));
})().catch(() => {
  process.exitCode = 1;
});
