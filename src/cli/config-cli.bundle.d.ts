// dist/cli/config-cli.bundle.js is config-cli.js bundled by scripts/bundle-config-cli.mjs.
export { runConfigCli } from './config-cli.js';
