// Public surface of the manifest layer.
export { loadManifestFile, loadManifestText, readFileIfExists, type LoadOptions } from './load.js';
export { formatIssue, formatIssues } from './format.js';
export { MAX_MANIFEST_BYTES, MAX_ALIAS_COUNT } from './parse.js';
export { AWS_REGIONS, isAwsRegion } from './regions.js';
export { parseDuration, formatDuration } from './duration.js';
export { DEFAULTS, canonicalName, templateHash } from './normalise.js';
export type * from './types.js';
