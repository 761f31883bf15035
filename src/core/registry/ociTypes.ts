import { MediaType } from '../store/descriptor';

export type { Descriptor, ImageIndex, ImageManifest, Platform } from '../store/descriptor';

/** Sent on every manifest request: the distribution registry answers a Docker-only Accept with 404
 *  for OCI manifests, and an OCI-only one with a converted schema-1 manifest. */
export const MANIFEST_ACCEPT = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest].join(', ');
