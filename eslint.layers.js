// The layer rule of docs/ARCHITECTURE.md as ESLint restrictions, one entry per folder.
// A violation fails `npm run lint`; test/unit/layers.test.ts proves each planted violation is caught.
import { builtinModules } from 'node:module';

const builtins = builtinModules.filter((m) => !m.startsWith('_')).map((m) => m.replace(/[/]/g, '\\/'));
const rule = (regex, message) => ({ regex, message });

const node = rule(`^(node:.*|(${builtins.join('|')})(\\/.*)?)$`, 'Node built-ins are not available in this layer.');
const electron = rule('^electron(\\/.*)?$', 'Only electron/main and electron/preload may import electron.');
const react = rule('^react(-dom)?(\\/.*)?$', 'React belongs to renderer/ only.');
const engineDeps = rule(
  '^(@aws-sdk\\/.*|fluent-ffmpeg|ffprobe-static|hls-parser|p-limit|bullmq|ioredis|fast-xml-parser)$',
  'Engine-only dependency.',
);
// Project folders, matched in relative imports ("../engine/x", "../../electron/engine/x").
const folder = (name, message) => rule(`(^|\\/)${name}\\/`, message);
const engine = folder('engine', 'The engine is reachable only from electron/main and electron/cli.');
const main = folder('main', 'Nothing imports Electron main.');
const preload = folder('preload', 'Nothing imports the preload.');
const cli = folder('cli', 'Nothing imports the CLI.');
const renderer = folder('renderer', 'Nothing outside renderer/ imports the renderer.');

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/** [files glob, rules] per layer: what each folder must never import. */
export const layerRules = [
  ['electron/common/**', restrict([node, electron, react, engineDeps, engine, main, preload, cli, renderer])],
  ['electron/engine/**', restrict([electron, react, main, preload, cli, renderer])],
  ['electron/main/**', restrict([react, preload, cli, renderer])],
  ['electron/preload/**', restrict([node, react, engineDeps, engine, main, cli, renderer])],
  ['electron/cli/**', restrict([electron, react, main, preload, renderer])],
  ['renderer/**', restrict([node, electron, engineDeps, engine, main, preload, cli])],
];
