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

// The engine's own sub-layers (docs/ARCHITECTURE.md, "Inside the engine"), bottom to top:
// util/ → queue/ (generic) → the libraries (engine/<folder>/) → stages/ (one runner per stage,
// adapting a library to the queue) → the composition (pipeline.ts lists the stages; station.ts,
// app-engine.ts, farm/ … wire everything). Matched in relative imports from inside the engine.
const upToSibling = (allowed, message) => rule(`^\\.\\.\\/(?!\\.\\.\\/)(?!(${allowed})\\/)`, message);
const stageModule = folder(
  'stages',
  'Only pipeline.ts (and the stages themselves) import a stage module: a stage adapts a library to the queue, so import the library it runs.',
);
const composition = rule(
  '^\\.\\.\\/[^/]+\\.js$',
  'A library or stage never imports the composition (station, pipeline, app engine, intake …): they are wired from above.',
);
const farm = folder('farm', 'The farm is composition: libraries and stages never import it.');
const utilOnly = upToSibling(
  'util',
  'The queue is generic: it imports only util/ (stages declare their outputs on JobOutputs).',
);
const bottom = upToSibling('util', 'util/ is the bottom of the engine: it imports no other engine module.');
const engineStages = rule('(^|\\/)engine\\/stages\\/', "The CLI runs the engine's libraries, never a stage module.");

const engineBase = [electron, react, main, preload, cli, renderer];
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

/**
 * [files glob, rules, ignores?] per layer: what each folder must never import. A file matched by
 * several entries gets the last one's restrictions, so each engine sub-layer repeats the engine's.
 */
export const layerRules = [
  ['electron/common/**', restrict([node, electron, react, engineDeps, engine, main, preload, cli, renderer])],
  ['electron/engine/**', restrict(engineBase)],
  ['electron/engine/*.ts', restrict([...engineBase, stageModule]), ['electron/engine/pipeline.ts']],
  // The farm worker opens a station; the station (and the modules it composes) never reaches back into the farm.
  ['electron/engine/station{,-*}.ts', restrict([...engineBase, stageModule, farm])],
  [
    'electron/engine/*/**',
    restrict([...engineBase, stageModule, composition, farm]),
    ['electron/engine/{util,queue,stages,farm}/**'],
  ],
  ['electron/engine/util/**', restrict([...engineBase, bottom])],
  ['electron/engine/queue/**', restrict([...engineBase, utilOnly])],
  ['electron/engine/stages/**', restrict([...engineBase, composition, farm])],
  ['electron/engine/farm/**', restrict([...engineBase, stageModule])],
  ['electron/main/**', restrict([react, preload, cli, renderer])],
  ['electron/preload/**', restrict([node, react, engineDeps, engine, main, cli, renderer])],
  ['electron/cli/**', restrict([electron, react, main, preload, renderer, engineStages])],
  ['renderer/**', restrict([node, electron, engineDeps, engine, main, preload, cli])],
];
