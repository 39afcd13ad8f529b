/**
 * What a farm's Redis must be for the queue to be durable: Redis ≥ 6.2 (BullMQ's scripts), an
 * eviction policy of `noeviction` (any other policy may drop a title's job under memory pressure,
 * silently), and AOF persistence (a restart without it loses every title submitted since the last
 * snapshot). The station checks and says which is wrong, in sentences; a managed Redis that hides
 * CONFIG gets a warning that it could not be checked, not a refusal.
 */
import type { Redis } from 'ioredis';

export interface RedisCheck {
  version: string;
  problems: string[];
  warnings: string[];
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

const atLeast = (version: string, [maj, min]: [number, number]): boolean => {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > maj || (a === maj && b >= min);
};

export async function checkRedis(redis: Redis): Promise<RedisCheck> {
  const server = await redis.info('server');
  const version = field(server, 'redis_version') ?? '?';
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!atLeast(version, [6, 2]))
    problems.push(`Redis ${version} is too old for the farm's queue: BullMQ needs Redis 6.2 or newer.`);
  const config = async (name: string): Promise<string | undefined> => {
    try {
      const got = (await redis.config('GET', name)) as string[];
      return got[1];
    } catch {
      return undefined;
    }
  };
  const policy = await config('maxmemory-policy');
  const aof = await config('appendonly');
  if (policy === undefined || aof === undefined) {
    warnings.push(
      'This Redis does not let the station read its configuration (CONFIG GET): make sure maxmemory-policy is noeviction and AOF (appendonly yes) is on, or titles can be lost.',
    );
  }
  if (policy !== undefined && policy !== 'noeviction') {
    problems.push(
      `Redis evicts keys under memory pressure (maxmemory-policy ${policy}): a title's job could vanish from the queue. Set maxmemory-policy noeviction.`,
    );
  }
  if (aof !== undefined && aof !== 'yes') {
    problems.push(
      'Redis keeps no append-only file (appendonly no): a restart would lose the titles queued since its last snapshot. Set appendonly yes (appendfsync everysec or always).',
    );
  }
  return { version, problems, warnings };
}
