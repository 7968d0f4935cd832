// AVA's config for the cgroup v2 suite that scripts/vm-v2.sh runs in a VM
// (`ava --config test/vm-v2/ava.config.js`): the package's own settings
// (tsx, no worker threads), with one file at a time and long timeouts,
// since Node under qemu's software emulation runs 10-20 times slower.
export default {
  files: ['test/vm-v2/**/*.vm.ts'],
  extensions: { ts: 'module' },
  nodeArguments: ['--import=tsx'],
  workerThreads: false,
  timeout: '10m',
  concurrency: 1,
};
