// A child process that writes into a core store, for the concurrency and kill -9 tests:
//   populate <home> <worker> <count>   images with a shared layer each, tagged shared:<i> and w<worker>:<i>
//   big <home> <blobs> <mib>           blobs of <mib> MiB, each ingested (resuming) then named big:<n>
import { Readable } from 'node:stream';
import { MediaType } from '../../src/core/store/descriptor';
import { ImageStore } from '../../src/core/store/imageStore';
import { descriptorOf, patternChunks, patternDigest, writeTestImage } from './storeImages';

async function populate(home: string, worker: string, count: number): Promise<void> {
  const store = await ImageStore.open(home);
  for (let i = 0; i < count; i++) {
    const shared = await writeTestImage(store, [[{ path: 'shared', content: `shared ${i}` }]]);
    await store.tag(`shared:${i}`, shared.manifest);
    const own = await writeTestImage(store, [[{ path: 'shared', content: `shared ${i}` }], [{ path: 'own', content: `worker ${worker} ${i}` }]]);
    await store.tag(`w${worker}:${i}`, own.manifest);
    const size = 2 << 20;
    await store.writeBlob(Readable.from(patternChunks(1000 + i, size)), { digest: patternDigest(1000 + i, size), size });
  }
}

async function big(home: string, blobs: number, mib: number): Promise<void> {
  const store = await ImageStore.open(home);
  const size = mib << 20;
  for (let seed = 0; seed < blobs; seed++) {
    const digest = patternDigest(seed, size);
    const ingest = await store.ingest({ digest, size });
    process.stdout.write(`blob ${seed} offset ${ingest.offset} complete ${ingest.complete}\n`);
    if (!ingest.complete) {
      let at = 0;
      for (const chunk of patternChunks(seed, size)) {
        const end = at + chunk.length;
        if (end > ingest.offset) await ingest.write(chunk.subarray(Math.max(0, ingest.offset - at)));
        at = end;
        // Paced, so the test's random kills land inside a write on a fast machine too (unpaced, six
        // 24 MiB blobs were done before most kills and no partial was ever left to resume).
        await new Promise((r) => setTimeout(r, 10));
      }
      await ingest.commit();
    }
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digest] } }));
    await store.writeBlob(config);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: descriptorOf(MediaType.ociConfig, config), layers: [{ mediaType: MediaType.ociLayer, digest, size }] }));
    await store.writeBlob(manifest);
    await store.tag(`big:${seed}`, descriptorOf(MediaType.ociManifest, manifest));
  }
}

const [mode, home, a, b] = process.argv.slice(2);
const run = mode === 'populate' ? populate(home, a, Number(b)) : big(home, Number(a), Number(b));
run.then(() => process.stdout.write('done\n'), (err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
