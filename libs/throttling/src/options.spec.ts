import { Test } from '@nestjs/testing';
import { getOptionsToken, getStorageToken, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { type ThrottlingModuleOptions, validateThrottlingOptions } from './options.js';
import { ThrottlingModule } from './throttling.module.js';
import { THROTTLING_MODULE_OPTIONS } from './throttling.module-definition.js';

const api = { name: 'api', limit: 300, ttl: 60_000 };
const fakeStorage: ThrottlerStorage = {
  increment: async () => ({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 }),
};

function refuses(options: unknown, option: string): void {
  let thrown: unknown;
  try {
    validateThrottlingOptions(options as ThrottlingModuleOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toMatchObject({ code: 'ERR_THROTTLING_OPTIONS' });
  expect((thrown as Error).message).toContain(`"${option}"`);
}

describe('throttling options', () => {
  it('fills in the defaults', () => {
    expect(validateThrottlingOptions({ throttlers: [api] })).toEqual({
      throttlers: [{ ...api, blockDuration: 60_000 }],
      storage: expect.any(MemoryThrottlerStorage),
      failClosed: [],
    });
  });

  it('keeps a block duration, the storage, failClosed and skipIf', () => {
    const skipIf = () => false;
    const resolved = validateThrottlingOptions({
      throttlers: [api, { name: 'login', limit: 5, ttl: 900_000, blockDuration: 1_800_000 }],
      storage: fakeStorage,
      failClosed: ['login'],
      skipIf,
    });
    expect(resolved.throttlers[1]).toEqual({ name: 'login', limit: 5, ttl: 900_000, blockDuration: 1_800_000 });
    expect(resolved).toMatchObject({ storage: fakeStorage, failClosed: ['login'], skipIf });
  });

  it.each([
    [null, 'options'],
    [{}, 'throttlers'],
    [{ throttlers: [] }, 'throttlers'],
    [{ throttlers: [null] }, 'throttlers[0]'],
    [{ throttlers: [{ ...api, limit: 0 }] }, 'throttlers[0].limit'],
    [{ throttlers: [{ ...api, limit: -5 }] }, 'throttlers[0].limit'],
    [{ throttlers: [{ ...api, limit: 1.5 }] }, 'throttlers[0].limit'],
    [{ throttlers: [{ ...api, limit: '300' }] }, 'throttlers[0].limit'],
    [{ throttlers: [{ ...api, limit: Number.NaN }] }, 'throttlers[0].limit'],
    [{ throttlers: [{ ...api, limit: Infinity }] }, 'throttlers[0].limit'],
    [{ throttlers: [{ ...api, ttl: 0 }] }, 'throttlers[0].ttl'],
    [{ throttlers: [{ ...api, ttl: 60.5 }] }, 'throttlers[0].ttl'],
    [{ throttlers: [{ name: 'api', limit: 1 }] }, 'throttlers[0].ttl'],
    [{ throttlers: [{ ...api, blockDuration: 0 }] }, 'throttlers[0].blockDuration'],
    [{ throttlers: [{ ...api, name: '' }] }, 'throttlers[0].name'],
    [{ throttlers: [{ ...api, name: 'a"b' }] }, 'throttlers[0].name'],
    [{ throttlers: [{ ...api, name: 'x'.repeat(65) }] }, 'throttlers[0].name'],
    [{ throttlers: [api, { ...api, limit: 10 }] }, 'throttlers[1].name'],
    [{ throttlers: [{ ...api, ttl: 60_000, window: 1 }] }, 'throttlers[0].window'],
    [{ throttlers: [api], failClosed: 'api' }, 'failClosed'],
    [{ throttlers: [api], failClosed: ['login'] }, 'failClosed[0]'],
    [{ throttlers: [api], failclosed: ['api'] }, 'failclosed'],
    [{ throttlers: [api], storage: {} }, 'storage'],
    [{ throttlers: [api], skipIf: true }, 'skipIf'],
  ])('refuses %j, naming %s', (options, option) => refuses(options, option));
});

describe('ThrottlingModule', () => {
  it('hands throttler its throttlers and the in-memory storage, without the legacy headers', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ThrottlingModule.forRoot({ throttlers: [api] })] }).compile();
    expect(moduleRef.get(THROTTLING_MODULE_OPTIONS)).toMatchObject({ failClosed: [] });
    expect(moduleRef.get<ThrottlerModuleOptions>(getOptionsToken())).toMatchObject({
      throttlers: [{ ...api, blockDuration: 60_000 }],
      setHeaders: false,
    });
    expect(moduleRef.get(getStorageToken())).toBeInstanceOf(MemoryThrottlerStorage);
    await moduleRef.close();
  });

  it('forRootAsync uses the storage the factory returns', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ThrottlingModule.forRootAsync({
          useFactory: async () => ({ throttlers: [api], storage: fakeStorage, failClosed: ['api'] }),
        }),
      ],
    }).compile();
    expect(moduleRef.get(getStorageToken())).toBe(fakeStorage);
    expect(moduleRef.get(THROTTLING_MODULE_OPTIONS)).toMatchObject({ failClosed: ['api'] });
    await moduleRef.close();
  });

  it('failedAuthentication must name one of the throttlers', () => {
    expect(validateThrottlingOptions({ throttlers: [api, { ...api, name: 'authFailures' }], failedAuthentication: 'authFailures' })).toMatchObject({ failedAuthentication: 'authFailures' });
    expect(() => validateThrottlingOptions({ throttlers: [api], failedAuthentication: 'authFailures' })).toThrow(/"failedAuthentication" must name one of the throttlers/);
  });

  it('fails at start-up on a bad option, naming it', async () => {
    await expect(
      Test.createTestingModule({ imports: [ThrottlingModule.forRoot({ throttlers: [{ ...api, ttl: -1 }] })] }).compile(),
    ).rejects.toMatchObject({ code: 'ERR_THROTTLING_OPTIONS', message: expect.stringContaining('"throttlers[0].ttl"') });
    await expect(
      Test.createTestingModule({
        imports: [ThrottlingModule.forRootAsync({ useFactory: () => ({ throttlers: [api, api] }) })],
      }).compile(),
    ).rejects.toMatchObject({ code: 'ERR_THROTTLING_OPTIONS', message: expect.stringContaining('"throttlers[1].name"') });
  });
});
