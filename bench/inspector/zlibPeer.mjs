// Peer: Node's own zlib inflating the gzip layers one after another (default options), the
// bytes counted and dropped. Prints JSON: time and peak memory.
//   node zlibPeer.mjs LAYER.tar.gz...
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const started = performance.now();
let bytes = 0;
for (const file of process.argv.slice(2)) {
  await pipeline(fs.createReadStream(file), zlib.createGunzip(), async (inflated) => {
    for await (const chunk of inflated) bytes += chunk.length;
  });
}
console.log(JSON.stringify({ ms: performance.now() - started, bytes, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
