export { LayoutWriter, makeImageLayout, makeIndexLayout, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, REF_NAME, sha256 } from './layout-writer.js';
export type { Descriptor, WrittenImage } from './layout-writer.js';
export { skopeoCopyToLayout, skopeoListTags, skopeoRawManifest } from './skopeo.js';
export type { RegistryAccess } from './skopeo.js';
export { singleFileTar, tarOf } from './tar.js';
export { makeDocker25Archive, OCI_LAYER_TAR, skopeoArchive, writeLegacyArchive } from './archives.js';
export type { Docker25Archive } from './archives.js';
export { makeUmociLayout, umociUnpack } from './umoci.js';
export { sharedLibraryRootfs } from './system-rootfs.js';
