// Builds the app (`npm run build`) when dist/ is missing or older than any file in src/, so `npm start`
// never runs stale code. A stamp is written only after a build succeeds: a failed build is retried next time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const inputs = [path.join(root, 'src'), path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')];

function newest(p) {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(p).reduce((max, name) => Math.max(max, newest(path.join(p, name))), s.mtimeMs);
}

function reason() {
  if (!existsSync(path.join(root, 'dist', 'src', 'main.js')) || !existsSync(stamp)) return 'dist/ is missing';
  const built = statSync(stamp).mtimeMs;
  return inputs.some((p) => newest(p) > built) ? 'src/ has changed since the last build' : null;
}

const why = reason();
if (why) {
  console.error(`Building (${why})…`);
  // Under npm, npm_execpath is npm's own script; otherwise find npm on the PATH.
  const npm = process.env.npm_execpath;
  const result = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error('Build failed.');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
