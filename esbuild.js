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
 * Modules that get a bundle of their own, loaded with `await import()` when first needed, so
 * activation reads and compiles only the small main bundle: the daemon engine (dockerode, ssh2,
 * grpc: ~900 KB) on first connect, the Dockerfile features (~200 KB) when a Dockerfile opens, the
 * Compose file reader (yaml: ~110 KB) on the first Compose command, the layer inspector's host
 * side when an inspector first opens.
 */
const APART = {
  'src/engine/daemon/daemonEngine.ts': 'daemonEngine.js',
  'src/engine/core/coreEngine.ts': 'coreEngine.js',
  'src/language/languageFeatures.ts': 'languageFeatures.js',
  'src/commands/compose.ts': 'compose.js',
  'src/inspector/inspectorHost.ts': 'inspectorHost.js',
};

/** @type {import('esbuild').Plugin} */
const keepApart = {
  name: 'keep-apart',
  setup(build) {
    const path = require('node:path');
    build.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const target = path.relative(__dirname, path.resolve(args.resolveDir, args.path)).replace(/\\/g, '/');
      const out = APART[`${target}.ts`];
      return out ? { path: `./${out}`, external: true } : undefined;
    });
  },
};

const builds = [
  { ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', plugins: [keepApart] },
  { ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', plugins: [keepApart] },
  ...Object.entries(APART).map(([entry, out]) => ({ ...common, entryPoints: [entry], outfile: `dist/${out}`, plugins: [keepApart] })),
  // One detached process per running container of the bundled engine, started by core/run/containerRunner.ts from dist/.
  { ...common, entryPoints: ['src/core/run/containerSupervisor.ts'], outfile: 'dist/containerSupervisor.js' },
  // The layer inspector's worker thread, started by core/layers/layerIndexPool.ts from dist/.
  { ...common, entryPoints: ['src/core/layers/layerWorker.ts'], outfile: 'dist/layerWorker.js' },
  // The layer inspector's webview script: a browser bundle, loaded under the page's CSP nonce.
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', external: [], entryPoints: ['media/inspector/main.ts'], outfile: 'dist/inspectorView.js' },
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
