// Bundles the extension with esbuild: dist/extension.js (what the .vsix ships) and out/settings.js
// (the settings translation, for the unit tests under plain Node).
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'warning' };
await build({
  ...common,
  entryPoints: ['src/extension.ts'],
  outfile: 'dist/extension.js',
  external: ['vscode'],
  minify: process.argv.includes('--minify'),
  sourcemap: process.argv.includes('--minify') ? false : 'inline',
});
await build({ ...common, entryPoints: ['src/settings.ts'], outfile: 'out/settings.js' });
