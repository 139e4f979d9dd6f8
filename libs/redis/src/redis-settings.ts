/** The server settings that decide what an app may keep in Redis, as `CONFIG GET` reports them. */
export interface RedisSettings {
  /** `noeviction`, `allkeys-lru`, `volatile-ttl`, … */
  maxmemoryPolicy: string;
  /** Bytes; 0 is no limit. */
  maxmemory: number;
  /** `yes` or `no`. */
  appendonly: string;
  /** RDB snapshot schedule; `''` is none. */
  save: string;
}

/** One thing to know about a Redis's settings: `error` where data can vanish under load, `info` otherwise. */
export interface RedisSettingsFinding {
  level: 'error' | 'info';
  setting: 'maxmemory-policy' | 'persistence' | 'config';
  message: string;
}

/** The part of an ioredis client {@link readRedisSettings} uses. */
export interface RedisConfigClient {
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
}

/**
 * Reads the settings with `CONFIG GET`, or null when the server refuses
 * the command (managed services often rename or disable it).
 */
export async function readRedisSettings(client: RedisConfigClient): Promise<RedisSettings | null> {
  const get = async (name: string): Promise<string> => {
    const reply = await client.config('GET', name);
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : '';
  };
  try {
    const [maxmemoryPolicy, maxmemory, appendonly, save] = await Promise.all([get('maxmemory-policy'), get('maxmemory'), get('appendonly'), get('save')]);
    return { maxmemoryPolicy, maxmemory: Number(maxmemory) || 0, appendonly, save };
  } catch (error) {
    // A reply from the server (unknown command, NOPERM): it answered, it just will not say. Anything else is an outage.
    if (error instanceof Error && error.name === 'ReplyError') return null;
    throw error;
  }
}

/**
 * What the settings mean for an app that keeps counters and short-lived
 * entries in Redis (rate limits, failed-login counts, replay caches) and
 * uses it as a bus. Any `maxmemory-policy` but `noeviction` lets Redis
 * delete keys under memory pressure, silently: a counter deleted resets its
 * limit early, a replay entry deleted reopens a replay. With `noeviction`
 * Redis refuses writes instead, which the app sees as an outage and answers
 * as configured (fail closed or open). No persistence means a restart
 * starts every counter from zero, said as `info`.
 */
export function assessRedisSettings(settings: RedisSettings | null): RedisSettingsFinding[] {
  if (!settings) {
    return [{ level: 'info', setting: 'config', message: 'CONFIG GET is refused by this server: check yourself that maxmemory-policy is noeviction' }];
  }
  const findings: RedisSettingsFinding[] = [];
  if (settings.maxmemoryPolicy !== 'noeviction') {
    findings.push({
      level: 'error',
      setting: 'maxmemory-policy',
      message: `is ${settings.maxmemoryPolicy || 'unknown'}${settings.maxmemory ? ` (maxmemory ${settings.maxmemory} bytes)` : ' (no maxmemory yet)'}: under memory pressure Redis deletes keys silently, so rate-limit and failed-login counters reset early and replay-cache entries vanish; set maxmemory-policy noeviction`,
    });
  }
  if (settings.appendonly !== 'yes' && settings.save.trim() === '') {
    findings.push({ level: 'info', setting: 'persistence', message: 'none (appendonly no, no save schedule): a restart empties Redis, and every counter starts again from zero' });
  }
  return findings;
}
