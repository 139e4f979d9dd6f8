import { NotFoundException } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { createHash } from 'node:crypto';
import { bearerToken, isLoopback, tokenMatches } from './metrics-access.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.service.js';
import { type ObservabilityModuleOptions, validateObservabilityOptions } from './options.js';

const TOKEN = 'scrape-token-0123456789abcdefghijkl';

describe('metrics access', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.200.1.1', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['::', false],
    ['localhost', false],
    ['127.0.0.1.evil.example', false],
    [undefined, false],
  ])('isLoopback(%s) is %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });

  it('reads a bearer token per RFC 6750 and nothing else', () => {
    expect(bearerToken(`Bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`bearer ${TOKEN}`)).toBe(TOKEN);
    expect(bearerToken(`Bearer  ${TOKEN}`)).toBeUndefined();
    expect(bearerToken(`Basic ${TOKEN}`)).toBeUndefined();
    expect(bearerToken(`Bearer ${TOKEN} extra`)).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('matches only the exact token, whatever the length of the guess', () => {
    const digest = createHash('sha256').update(TOKEN).digest();
    expect(tokenMatches(TOKEN, digest)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), digest)).toBe(false);
    expect(tokenMatches(`${TOKEN}x`, digest)).toBe(false);
    expect(tokenMatches('', digest)).toBe(false);
    expect(tokenMatches(TOKEN, undefined)).toBe(false);
  });

  describe('MetricsController', () => {
    const adapterHost = {
      httpAdapter: { getRequestMethod: () => 'GET', getRequestUrl: () => '/metrics', setHeader: jest.fn() },
    } as unknown as HttpAdapterHost;

    function controller(options: Partial<ObservabilityModuleOptions>) {
      return new MetricsController(
        new Metrics({ defaultMetrics: false }),
        validateObservabilityOptions({ service: 'api', logLevel: 'info', ...options }),
        adapterHost,
      );
    }
    const scrape = (c: MetricsController, headers: Record<string, string> = {}) => c.scrape({ headers, ip: '127.0.0.1' } as never, {});

    it('uses an injected address resolver instead of request.ip', async () => {
      await expect(scrape(controller({ metricsClientAddress: () => '198.51.100.4' }))).rejects.toThrow(NotFoundException);
      await expect(scrape(controller({ metricsClientAddress: () => '::1' }))).resolves.toContain('http_requests_total');
    });

    it('denies when the resolver throws', async () => {
      const c = controller({
        metricsClientAddress: () => {
          throw new Error('no address');
        },
      });
      await expect(scrape(c)).rejects.toThrow('Cannot GET /metrics');
    });

    it('with metricsAllowLoopback false, answers only the token', async () => {
      const c = controller({ metricsAllowLoopback: false, metricsToken: TOKEN });
      await expect(scrape(c)).rejects.toThrow(NotFoundException);
      await expect(scrape(c, { authorization: `Bearer ${TOKEN}` })).resolves.toContain('http_requests_total');
    });
  });
});
