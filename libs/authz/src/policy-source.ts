import { EventEmitter } from 'node:events';
import type { PolicySet } from './policy.types.js';

/** Where the policies live (the demo: a table through Prisma). */
export interface PolicyStore {
  load(): Promise<PolicySet>;
}

/** Tells every instance that the policies changed. */
export interface PolicyChangeBus {
  publish(version: number): Promise<void>;
  /** Calls `listener` with each published version; returns a function that stops listening. */
  subscribe(listener: (version: number) => void): Promise<() => Promise<void>>;
}

// One emitter per process: apps started in the same process (tests, the
// launcher) hear each other, as instances on one Redis do.
const processBus = new EventEmitter();
processBus.setMaxListeners(0);

/** The bus of one process. */
export class MemoryPolicyChangeBus implements PolicyChangeBus {
  async publish(version: number): Promise<void> {
    processBus.emit('policy', version);
  }

  async subscribe(listener: (version: number) => void): Promise<() => Promise<void>> {
    processBus.on('policy', listener);
    return async () => {
      processBus.off('policy', listener);
    };
  }
}

/** The part of an ioredis client the Redis bus uses. */
export interface RedisPubSubLike {
  publish(channel: string, message: string): Promise<number>;
  duplicate(): RedisPubSubLike & {
    subscribe(channel: string): Promise<unknown>;
    on(event: 'message', cb: (channel: string, message: string) => void): unknown;
    on(event: 'ready' | 'error', cb: () => void): unknown;
    quit(): Promise<unknown>;
    disconnect(): void;
  };
}

/** Redis pub/sub: every instance on the Redis hears a change within milliseconds. */
export class RedisPolicyChangeBus implements PolicyChangeBus {
  constructor(
    private readonly redis: RedisPubSubLike,
    private readonly channel = 'authz:policy-changed',
  ) {}

  async publish(version: number): Promise<void> {
    await this.redis.publish(this.channel, String(version));
  }

  async subscribe(listener: (version: number) => void): Promise<() => Promise<void>> {
    // A connection in subscriber mode can do nothing else: use its own.
    const sub = this.redis.duplicate();
    sub.on('message', (channel, message) => {
      const version = Number(message);
      if (channel.endsWith(this.channel) && Number.isSafeInteger(version)) listener(version);
    });
    // Subscribed whenever the connection comes (back) up, so a Redis that is
    // away at start-up or restarts later does not silence changes for good
    // (the service's polling covers the gap).
    sub.on('ready', () => void sub.subscribe(this.channel).catch(() => undefined));
    sub.on('error', () => undefined);
    return async () => {
      sub.disconnect();
    };
  }
}
