// The docker runtime's public surface: the runtime factory, the probe `--runtime auto` uses, and the image build.
export { createDockerRuntime, type DockerRuntimeOptions } from './docker-runtime.ts';
export { dockerAvailable } from './probe.ts';
export { buildOfflineImages } from './build/offline-images.ts';
