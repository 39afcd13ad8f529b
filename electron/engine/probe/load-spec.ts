import { readFile } from 'node:fs/promises';
import { describeZodError } from '../../common/config.js';
import { deliverySpecSchema, type DeliverySpec } from '../../common/spec.js';
import { StationError } from '../util/errors.js';

/** A delivery spec from a JSON file; a broken spec file is itself a clear error. */
export async function loadSpec(path: string): Promise<DeliverySpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new StationError(`Cannot read the delivery spec ${path}: ${(err as Error).message}`, 'config-spec');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StationError(`The delivery spec ${path} is not valid JSON: ${(err as Error).message}`, 'config-spec');
  }
  const parsed = deliverySpecSchema.safeParse(raw);
  if (!parsed.success)
    throw new StationError(`The delivery spec ${path} is invalid: ${describeZodError(parsed.error)}`, 'config-spec');
  return parsed.data;
}
