// Builds the extension and packages .vsix files with @vscode/vsce.
//
//   node scripts/package.mjs                                  universal: uses gohazard.path or PATH
//   node scripts/package.mjs --target linux-x64 --binary ../../target/release/gohazard
//                                                             platform build with the binary inside
//
// Targets are VS Code's: win32-x64, win32-arm64, linux-x64, linux-arm64, linux-armhf, alpine-x64,
// alpine-arm64, darwin-x64, darwin-arm64. The binary must be built for that target (for alpine-*,
// a static musl build). Output: out/gohazard-<target>-<version>.vsix or out/gohazard-<version>.vsix.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const opt = (name) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const target = opt('--target');
const binary = opt('--binary');
if ((target === undefined) !== (binary === undefined)) {
  console.error('--target and --binary go together (or neither, for the universal package)');
  process.exit(2);
}
if (binary !== undefined && !existsSync(binary)) {
  console.error(`no binary at ${binary}`);
  process.exit(2);
}
const binaryPath = binary && resolve(process.cwd(), binary);
process.chdir(root);

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

run(process.execPath, ['scripts/build.mjs', '--minify']);
rmSync('bin', { recursive: true, force: true });
mkdirSync('out', { recursive: true });
try {
  const args = ['package', '--no-dependencies', '--skip-license'];
  let out;
  if (target !== undefined) {
    mkdirSync('bin');
    const exe = join('bin', target.startsWith('win32') ? 'gohazard.exe' : 'gohazard');
    copyFileSync(binaryPath, exe);
    chmodSync(exe, 0o755);
    // Debug info is a third of a release binary; drop it when this machine's strip can read the file.
    if (!target.startsWith('win32') && !target.startsWith('darwin')) {
      try {
        execFileSync('strip', [exe], { stdio: 'ignore' });
      } catch {
        // A foreign architecture or no strip: ship it as it is.
      }
    }
    out = join('out', `gohazard-${target}-${version}.vsix`);
    args.push('--target', target);
  } else {
    out = join('out', `gohazard-${version}.vsix`);
  }
  args.push('--out', out);
  run(process.execPath, [vsce, ...args]);
  console.log(`packaged ${join(root, out)}`);
} finally {
  rmSync('bin', { recursive: true, force: true });
}
