import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { RedisModule } from './redis.module.js';
import { assessRedisSettings, readRedisSettings } from './redis-settings.js';

describe('assessRedisSettings', () => {
  it('an evicting policy is an error that names the consequence', () => {
    const [f] = assessRedisSettings({ maxmemoryPolicy: 'allkeys-lru', maxmemory: 1024, appendonly: 'yes', save: '' });
    expect(f).toMatchObject({ level: 'error', setting: 'maxmemory-policy' });
    expect(f?.message).toMatch(/allkeys-lru \(maxmemory 1024 bytes\).*counters reset early/);
  });

  it('noeviction with persistence is clean; without persistence it is said, not failed', () => {
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', maxmemory: 0, appendonly: 'yes', save: '' })).toEqual([]);
    expect(assessRedisSettings({ maxmemoryPolicy: 'noeviction', maxmemory: 0, appendonly: 'no', save: '' })).toEqual([expect.objectContaining({ level: 'info', setting: 'persistence' })]);
    expect(assessRedisSettings(null)).toEqual([expect.objectContaining({ level: 'info', setting: 'config' })]);
  });

  it('a server that refuses CONFIG is reported as unknown, an outage is thrown', async () => {
    const refused = Object.assign(new Error('ERR unknown command'), { name: 'ReplyError' });
    await expect(readRedisSettings({ config: () => Promise.reject(refused) })).resolves.toBeNull();
    await expect(readRedisSettings({ config: () => Promise.reject(new Error('Connection is closed.')) })).rejects.toThrow('closed');
  });
});

describe('RedisModule settingsCheck (a redis-server of its own)', () => {
  let proc: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
    url = `redis://127.0.0.1:${port}/0`;
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    expect(await readRedisSettings(probe)).toMatchObject({ maxmemoryPolicy: 'allkeys-lru', appendonly: 'no' });
    probe.disconnect();
  });
  afterAll(() => proc?.kill('SIGKILL'));

  it('refuse: the app does not start on an evicting Redis, and says why', async () => {
    const module = await Test.createTestingModule({ imports: [RedisModule.forRoot({ url, settingsCheck: 'refuse' })] }).compile();
    const app = module.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(/maxmemory-policy is allkeys-lru.*"settingsCheck" is refuse/);
    await app.close();
  });

  it('warn (the default): the app starts', async () => {
    const module = await Test.createTestingModule({ imports: [RedisModule.forRoot({ url })] }).compile();
    const app = module.createNestApplication({ logger: false });
    await expect(app.init()).resolves.toBe(app);
    await app.close();
  });
});
