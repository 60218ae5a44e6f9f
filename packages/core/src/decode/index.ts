/**
 * Where every JSON document and every name from outside (a registry, a layout, a daemon) is
 * decoded and checked, so that each verb gets the same checks by using these.
 */
export { DecodeError, decodeAs, jsonObject, parseJson, shown } from './decode-error.js';
export { decodeAnnotations, decodeDescriptor } from './descriptor.js';
export { decodeDaemonImage, decodeImageConfig, decodeManifestFields, type ManifestFields } from './documents.js';
export { isMediaType, isSize, isValidDigest, isValidPathComponent, isValidRepository, isValidTag, MAX_REPOSITORY_LENGTH } from './grammar.js';
export { decodeLenientIndex, type LenientIndex } from './image-index.js';
export { decodeTagPage, type TagPage } from './tag-list.js';
