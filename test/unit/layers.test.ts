/**
 * The layer rule (docs/ARCHITECTURE.md) is enforced by ESLint; these tests plant violations in
 * each layer and prove the real lint configuration catches them — and leaves legal imports alone.
 */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rule', () => {
  it.each([
    ['engine → electron', 'electron/engine/planted.ts', "import { app } from 'electron';\nexport const a = app;"],
    ['engine → react', 'electron/engine/planted.ts', "import { useState } from 'react';\nexport const a = useState;"],
    [
      'engine → main',
      'electron/engine/planted.ts',
      "import { registerIpc } from '../main/ipc.js';\nexport const a = registerIpc;",
    ],
    [
      'renderer → node:fs',
      'renderer/src/planted.ts',
      "import { readFile } from 'node:fs';\nexport const a = readFile;",
    ],
    ['renderer → fs (bare)', 'renderer/src/planted.ts', "import fs from 'fs';\nexport const a = fs;"],
    [
      'renderer → engine',
      'renderer/src/planted.ts',
      "import { openStation } from '../../electron/engine/station';\nexport const a = openStation;",
    ],
    [
      'renderer → electron',
      'renderer/src/planted.ts',
      "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;",
    ],
    [
      'preload → engine',
      'electron/preload/planted.ts',
      "import { openStation } from '../engine/station.js';\nexport const a = openStation;",
    ],
    ['preload → node:path', 'electron/preload/planted.ts', "import { join } from 'node:path';\nexport const a = join;"],
    [
      'common → node:crypto',
      'electron/common/planted.ts',
      "import { createHash } from 'node:crypto';\nexport const a = createHash;",
    ],
    [
      'common → engine',
      'electron/common/planted.ts',
      "import { hashFile } from '../engine/util/hash-file.js';\nexport const a = hashFile;",
    ],
    ['cli → electron', 'electron/cli/planted.ts', "import { app } from 'electron';\nexport const a = app;"],
    [
      'main → renderer',
      'electron/main/planted.ts',
      "import { App } from '../../renderer/src/App';\nexport const a = App;",
    ],
    [
      'type-only import still counts',
      'renderer/src/planted.ts',
      "import type { Station } from '../../electron/engine/station';\nexport type A = Station;",
    ],
    // The engine's sub-layers.
    [
      'library → stage',
      'electron/engine/audit/planted.ts',
      "import { verifyStage } from '../stages/verify.js';\nexport const a = verifyStage;",
    ],
    [
      'library → stage (type only)',
      'electron/engine/package/planted.ts',
      "import type { PipelineContext } from '../stages/context.js';\nexport type A = PipelineContext;",
    ],
    [
      'library → composition',
      'electron/engine/title/planted.ts',
      "import { openStation } from '../station.js';\nexport const a = openStation;",
    ],
    [
      'library → farm',
      'electron/engine/transfer/planted.ts',
      "import { x } from '../farm/worker.js';\nexport const a = x;",
    ],
    [
      'queue → domain (the plan)',
      'electron/engine/queue/planted.ts',
      "import type { TranscodePlan } from '../plan/plan.js';\nexport type A = TranscodePlan;",
    ],
    [
      'util → library',
      'electron/engine/util/planted.ts',
      "import { x } from '../title/claim.js';\nexport const a = x;",
    ],
    [
      'stage → composition',
      'electron/engine/stages/planted.ts',
      "import { openStation } from '../station.js';\nexport const a = openStation;",
    ],
    [
      'station → stage',
      'electron/engine/planted.ts',
      "import { probeStage } from './stages/probe-stage.js';\nexport const a = probeStage;",
    ],
    [
      'station → farm (the worker opens the station, not the other way round)',
      'electron/engine/station.ts',
      "import { openFarmView } from './farm/farm-view.js';\nexport const a = openFarmView;",
    ],
    [
      "station's queue → farm (what the station composes is the station's side too)",
      'electron/engine/station-queue.ts',
      "import { openFarmView } from './farm/farm-view.js';\nexport const a = openFarmView;",
    ],
    [
      'farm → stage',
      'electron/engine/farm/planted.ts',
      "import { x } from '../stages/context.js';\nexport const a = x;",
    ],
    [
      'cli → stage',
      'electron/cli/commands/planted.ts',
      "import { x } from '../../engine/stages/report.js';\nexport const a = x;",
    ],
  ])('catches %s', async (_name, file, code) => {
    expect(await layerErrors(file, code)).toHaveLength(1);
  });

  it.each([
    [
      'renderer → common',
      'renderer/src/ok.ts',
      "import { STAGES } from '../../electron/common/jobs';\nexport const a = STAGES;",
    ],
    [
      'main → engine and electron',
      'electron/main/ok.ts',
      "import { app } from 'electron';\nimport { openStation } from '../engine/station.js';\nexport const a = [app, openStation];",
    ],
    [
      'preload → electron and common',
      'electron/preload/ok.ts',
      "import { contextBridge } from 'electron';\nimport { API_GLOBAL } from '../common/api.js';\nexport const a = [contextBridge, API_GLOBAL];",
    ],
    [
      'engine → node and AWS SDK',
      'electron/engine/ok.ts',
      "import { readFile } from 'node:fs/promises';\nimport { S3Client } from '@aws-sdk/client-s3';\nexport const a = [readFile, S3Client];",
    ],
    [
      'cli → engine',
      'electron/cli/ok.ts',
      "import { openStation } from '../engine/station.js';\nexport const a = openStation;",
    ],
    [
      'stage → library, queue and context',
      'electron/engine/stages/ok.ts',
      "import { planTranscode } from '../plan/plan.js';\nimport type { StageRunner } from '../queue/job-queue.js';\nimport { need } from './context.js';\nexport const a = [planTranscode, need];\nexport type A = StageRunner;",
    ],
    [
      'library → library, queue and util',
      'electron/engine/audit/ok.ts',
      "import { uploadPackage } from '../delivery/deliver.js';\nimport type { JobRecord } from '../queue/job-queue.js';\nimport { hashFile } from '../util/hash-file.js';\nexport const a = [uploadPackage, hashFile];\nexport type A = JobRecord;",
    ],
    [
      'queue → util and common',
      'electron/engine/queue/ok.ts',
      "import { StationError } from '../util/errors.js';\nimport { STAGES } from '../../common/jobs.js';\nexport const a = [StationError, STAGES];",
    ],
    [
      'pipeline → stages',
      'electron/engine/pipeline.ts',
      "import { probeStage } from './stages/probe-stage.js';\nexport const a = probeStage;",
    ],
  ])('allows %s', async (_name, file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });

  it('the tree as committed has no violations', async () => {
    const results = await eslint.lintFiles(['electron', 'renderer']);
    const violations = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => `${r.filePath}: ${m.message}`),
    );
    expect(violations).toEqual([]);
  });
});
