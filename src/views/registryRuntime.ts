// The registry code the Registries view runs, in a bundle of its own (dist/registryRuntime.js)
// loaded when a registry is first used, so activation does not compile the registry client.
export { configKey, dockerCredentials } from '../core/registry/dockerCredentials';
export { RegistryClient } from '../core/registry/registryClient';
export { readSmallBlob, readTagDetails } from './registryTags';
