// Peer: node-tar listing the gzip layers one after another (its own gunzip and parser), as a
// Node tool would list them. Prints JSON: time, entries and peak memory.
//   node nodeTarPeer.mjs LAYER.tar.gz...
import { list } from 'tar';

const started = performance.now();
let entries = 0;
for (const file of process.argv.slice(2)) {
  await list({ file, onReadEntry: () => entries++ });
}
console.log(JSON.stringify({ ms: performance.now() - started, entries, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
