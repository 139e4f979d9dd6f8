import { attribute, type CpuProfile, GC, OTHER, stageOf } from './bench-budget';

// The attribution rule of `npm run bench:profile`: one stage per sample, the innermost match, serialization weak.

const nm = (path: string, fn: string) => `/app/node_modules/${path} ${fn}`;

describe('stageOf', () => {
  it('gives a sample to the innermost matching frame', () => {
    // node:crypto under jose under the guard under Nest's router: authentication, once.
    const stack = ['node:internal/crypto/sig verify', nm('jose/dist/node/cjs/jwt/verify.js', 'jwtVerify'), '/app/dist/libs/auth/src/authentication.guard.js canActivate', nm('@nestjs/core/router/router-execution-context.js', 'handler')];
    expect(stageOf(stack)).toBe('authentication');
  });

  it('books code that matches nothing to the nearest enclosing stage', () => {
    expect(stageOf(['node:fs writeSync', nm('sonic-boom/index.js', 'actualWrite'), nm('pino/lib/proto.js', 'write')])).toBe('log line');
    expect(stageOf(['node:internal/util deprecate'])).toBe(OTHER);
  });

  it('books JSON serialization done for another stage to that stage, and the response body to serialization', () => {
    expect(stageOf([' stringify', nm('pino/lib/tools.js', 'asJson')])).toBe('log line');
    expect(stageOf([nm('fastify/lib/reply.js', 'serialize'), nm('fastify/lib/reply.js', 'send'), nm('@nestjs/core/router/router-response-controller.js', 'apply')])).toBe('serialization');
    expect(stageOf([' stringify'])).toBe('serialization');
  });

  it('tells the libs apart by folder, not by prefix', () => {
    expect(stageOf(['/app/dist/libs/auth-oidc/src/x.js f'])).toBe('app handlers and other libs');
    expect(stageOf(['/app/dist/libs/field-encryption/src/cipher.js decrypt', nm('@prisma/client/runtime/client.js', 'r')])).toBe('field decryption');
  });
});

describe('attribute', () => {
  it('counts each sample once, leaves idle out and keeps GC apart', () => {
    const frame = (id: number, functionName: string, url = '', children: number[] = []) => ({ id, callFrame: { functionName, url }, children });
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 3, 4, 5]),
        frame(2, '(idle)'),
        frame(3, '(garbage collector)'),
        frame(4, 'canActivate', 'file:///app/dist/libs/throttling/src/throttle.guard.js', [6]),
        frame(5, '(program)'),
        frame(6, 'incr', 'file:///app/dist/libs/throttling/src/memory.store.js'),
      ],
      samples: [2, 2, 3, 4, 6, 6, 5],
    };
    const a = attribute(profile);
    expect(a.idleSamples).toBe(2);
    expect(a.busySamples).toBe(5);
    expect(a.byStage.get('throttling')).toBe(3);
    expect(a.byStage.get(GC)).toBe(1);
    expect(a.byStage.get(OTHER)).toBe(1);
    expect([...a.byStage.values()].reduce((x, y) => x + y, 0)).toBe(a.busySamples);
  });
});
