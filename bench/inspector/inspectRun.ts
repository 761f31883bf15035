// One timed inspection of an archive, in a process of its own (bundled by inspectorBench.ts with
// the layer worker beside it): prints one line of JSON with the times and the peak memory.
//   node inspectRun.js ARCHIVE CACHE_DIR
import { openArchive } from '../../src/core/layers/archiveSource';
import { analyzeInspection } from '../../src/core/layers/imageAnalysis';
import { inspectImage } from '../../src/core/layers/imageInspection';
import { LayerIndexCache } from '../../src/core/layers/layerCache';
import { LayerIndexPool } from '../../src/core/layers/layerIndexPool';

async function main(): Promise<void> {
  const [archivePath, cacheDir] = process.argv.slice(2);
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const archive = await openArchive(archivePath);
  const pool = new LayerIndexPool();
  let described = 0;
  let firstLayer = 0;
  const inspection = await inspectImage(archive.source(0), {
    pool,
    cache: new LayerIndexCache(cacheDir),
    listener: {
      description: () => (described ||= performance.now() - started),
      layer: () => (firstLayer ||= performance.now() - started),
    },
  });
  const indexed = performance.now() - started;
  // The workers end before the analysis, as in the CLI (in VS Code the webview does the analysis).
  pool.dispose();
  await archive.dispose();
  // What the panel then does with the indexes: trees and the efficiency score.
  const analysis = analyzeInspection(inspection);
  const analyzed = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(`${JSON.stringify({
    describedMs: described,
    firstLayerMs: firstLayer,
    indexedMs: indexed,
    analyzedMs: analyzed,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    layers: analysis.layers.length,
    entries: analysis.layers.reduce((n, l) => n + (l?.count ?? 0), 0),
    errors: analysis.errors.length,
    efficiency: analysis.efficiency?.score,
    wastedBytes: analysis.efficiency?.wastedBytes,
  })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
