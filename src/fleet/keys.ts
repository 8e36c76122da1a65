/** Where a fleet keeps its data in Redis: blobs shared by every service, the rest under the service's name. */
export const blobMetaKey = (sha256: string): string => `hotswap:blob:${sha256}`;
export const blobChunkKey = (sha256: string, index: number): string => `hotswap:blob:${sha256}:${index}`;

export function serviceKeys(service: string): { readonly releases: string; readonly instances: string } {
  return { releases: `hotswap:fleet:${service}:releases`, instances: `hotswap:fleet:${service}:instances` };
}
