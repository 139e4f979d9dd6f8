import { type ArgumentsHost, BadRequestException, Logger } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import { ProblemDetailsFilter, type ProblemMapper } from './problem-details.filter.js';

function run(filter: ProblemDetailsFilter, exception: unknown) {
  const headers: Record<string, string> = {};
  const sent: { body?: Record<string, unknown>; status?: number } = {};
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ url: '/v1/things?secret=1', id: 'req-12345678' }), getResponse: () => ({}) }),
  } as unknown as ArgumentsHost;
  (filter as unknown as { adapterHost: HttpAdapterHost }).adapterHost = {
    httpAdapter: {
      setHeader: (_res: unknown, name: string, value: string) => (headers[name] = value),
      reply: (_res: unknown, body: string, status: number) => Object.assign(sent, { body: JSON.parse(body), status }),
    },
  } as unknown as HttpAdapterHost;
  filter.catch(exception, host);
  return { headers, ...sent };
}

describe('ProblemDetailsFilter mappers', () => {
  const unavailable: ProblemMapper = (e) =>
    e instanceof Error && e.message === 'db down'
      ? { status: 503, detail: 'Try again shortly.', code: 'ERR_X_UNAVAILABLE', headers: { 'Retry-After': '5' }, log: 'db down (ECONNREFUSED)' }
      : undefined;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers an error a mapper recognises with its status, code and headers, and logs its line, not a stack', () => {
    const out = run(new ProblemDetailsFilter({} as HttpAdapterHost, { mappers: [unavailable] }), new Error('db down'));
    expect(out.status).toBe(503);
    expect(out.body).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Try again shortly.', instance: '/v1/things', code: 'ERR_X_UNAVAILABLE', requestId: 'req-12345678' });
    expect(out.headers).toMatchObject({ 'Retry-After': '5', 'content-type': 'application/problem+json' });
    expect(Logger.prototype.warn).toHaveBeenCalledWith('503 /v1/things [req-12345678]: db down (ECONNREFUSED)');
    expect(Logger.prototype.error).not.toHaveBeenCalled();
  });

  it('leaves other errors as they were: a 500 with nothing of the cause', () => {
    const out = run(new ProblemDetailsFilter({} as HttpAdapterHost, { mappers: [unavailable] }), new Error('boom at 10.0.0.1'));
    expect(out.status).toBe(500);
    expect(JSON.stringify(out.body)).not.toContain('10.0.0.1');
    expect(out.headers['Retry-After']).toBeUndefined();
  });

  it('never maps an HttpException, and skips a mapper that throws', () => {
    const throwing: ProblemMapper = () => {
      throw new Error('mapper bug');
    };
    const filter = new ProblemDetailsFilter({} as HttpAdapterHost, { mappers: [throwing, unavailable] });
    expect(run(filter, new BadRequestException('bad')).status).toBe(400);
    expect(run(filter, new Error('db down')).status).toBe(503);
    expect(Logger.prototype.error).toHaveBeenCalledWith('a problem mapper threw: mapper bug');
  });

  it('refuses a mappers option that is not a list of functions', () => {
    expect(() => new ProblemDetailsFilter({} as HttpAdapterHost, { mappers: ['x' as never] })).toThrow('problem-details option "mappers"');
  });
});
