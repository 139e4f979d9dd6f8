import { EventEmitter } from 'node:events';

/**
 * "What is cached about this user (or this API key) is stale", or (`revocation`,
 * `id` its number) "a revocation was recorded: read the store" for a {@link RevocationList}.
 */
export interface AuthCacheMessage {
  kind: 'user' | 'api-key' | 'revocation';
  id: string;
}

/** A cache's side of the bus. */
export interface AuthCacheListener {
  /** Forget what `message` names. Called synchronously for this instance's own changes. */
  message(message: AuthCacheMessage): void;
  /** The bus stopped (false) or started again (true) hearing other instances. */
  state?(live: boolean): void;
}

/**
 * Tells every instance's caches that a user or an API key changed (a role,
 * a status, a revocation). A cache serves entries only while its bus is
 * {@link AuthCacheBus.live}: while messages from other instances might be
 * missed, it reads through instead.
 */
export interface AuthCacheBus {
  /** This instance's listeners first, synchronously; then every other instance. */
  publish(message: AuthCacheMessage): Promise<void>;
  /** Registers a listener of this instance; returns the function that removes it. */
  listen(listener: AuthCacheListener): () => void;
  /** True while changes made by other instances are heard. */
  readonly live: boolean;
}

/** Injection token of the {@link AuthCacheBus}. */
export const AUTH_CACHE_BUS = 'BASTION:AUTH_CACHE_BUS';

function isMessage(value: unknown): value is AuthCacheMessage {
  const m = value as AuthCacheMessage;
  return typeof m === 'object' && m !== null && (m.kind === 'user' || m.kind === 'api-key' || m.kind === 'revocation') && typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 200;
}

// One emitter per process: apps started in one process (tests, the launcher)
// hear each other, as instances on one Redis do.
const processBus = new EventEmitter();
processBus.setMaxListeners(0);

/**
 * The bus of one process: right for a single instance (the embedded demo),
 * and for several apps in one process. Instances in other processes are not
 * told: give them a {@link RedisAuthCacheBus}, or turn caching off.
 */
export class MemoryAuthCacheBus implements AuthCacheBus {
  readonly live = true;

  async publish(message: AuthCacheMessage): Promise<void> {
    processBus.emit('message', message);
  }

  listen(listener: AuthCacheListener): () => void {
    const onMessage = (m: AuthCacheMessage) => listener.message(m);
    processBus.on('message', onMessage);
    return () => processBus.off('message', onMessage);
  }
}

/** The part of an ioredis client the Redis bus uses. */
export interface RedisAuthCachePubSub {
  publish(channel: string, message: string): Promise<number>;
  duplicate(): {
    subscribe(channel: string): Promise<unknown>;
    on(event: 'message', cb: (channel: string, message: string) => void): unknown;
    on(event: 'ready' | 'close' | 'end' | 'error', cb: () => void): unknown;
    disconnect(): void;
  };
}

/**
 * Redis pub/sub between instances. `live` only once this instance is
 * subscribed, and false again from the moment its subscriber connection
 * drops: a message published meanwhile would be lost, so caches read
 * through until the connection is back (and then start empty).
 */
export class RedisAuthCacheBus implements AuthCacheBus {
  private readonly listeners = new Set<AuthCacheListener>();
  private subscriber?: ReturnType<RedisAuthCachePubSub['duplicate']>;
  private isLive = false;

  constructor(
    private readonly redis: RedisAuthCachePubSub,
    private readonly channel = 'auth:cache-invalidate',
  ) {}

  get live(): boolean {
    return this.isLive;
  }

  /** Opens the subscriber connection (its own: one in subscriber mode can do nothing else). */
  start(): void {
    if (this.subscriber) return;
    const sub = this.redis.duplicate();
    this.subscriber = sub;
    sub.on('message', (channel, text) => {
      // ioredis may put its key prefix before the channel name.
      if (!channel.endsWith(this.channel)) return;
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        return;
      }
      if (isMessage(message)) this.deliver(message);
    });
    sub.on('ready', () => {
      void sub.subscribe(this.channel).then(
        () => this.setLive(true),
        () => this.setLive(false),
      );
    });
    for (const event of ['close', 'end', 'error'] as const) sub.on(event, () => this.setLive(false));
  }

  /** Closes the subscriber connection. */
  stop(): void {
    this.setLive(false);
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  async publish(message: AuthCacheMessage): Promise<void> {
    this.deliver(message);
    await this.redis.publish(this.channel, JSON.stringify({ kind: message.kind, id: message.id }));
  }

  listen(listener: AuthCacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private deliver(message: AuthCacheMessage): void {
    for (const l of this.listeners) l.message(message);
  }

  private setLive(live: boolean): void {
    if (live === this.isLive) return;
    this.isLive = live;
    for (const l of this.listeners) l.state?.(live);
  }
}
