import { isAbsolute, resolve } from 'node:path';
import type { DestinationConfig } from '../../common/config.js';
import type { Destination } from './destination.js';
import { FolderDestination } from './folder.js';
import { S3Destination, type S3Runtime } from './s3.js';

/** Build a destination from its config; relative folder paths resolve against baseDir. */
export function createDestination(
  name: string,
  cfg: DestinationConfig,
  baseDir: string,
  runtime: S3Runtime,
): Destination {
  switch (cfg.type) {
    case 's3':
      return new S3Destination(name, cfg, runtime);
    case 'folder':
      return new FolderDestination(name, isAbsolute(cfg.path) ? cfg.path : resolve(baseDir, cfg.path));
  }
}

export type { Destination } from './destination.js';
