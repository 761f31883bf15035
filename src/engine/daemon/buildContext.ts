import { promises as fs } from 'node:fs';

/**
 * The build context as dockerode sends it: every top-level entry of the folder, with the folder's
 * .dockerignore applied by dockerode while it packs the tar.
 */
export async function buildContext(context: string): Promise<{ context: string; src: string[] }> {
  return { context, src: await fs.readdir(context) };
}
