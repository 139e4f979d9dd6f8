import { Controller, Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { of } from 'rxjs';
import { DeprecationInterceptor, SuccessorVersion } from './deprecation.interceptor.js';

@Controller({ path: 'things', version: '1' })
class ThingsV1 {
  @SuccessorVersion('/v2/things')
  @Get()
  list() {}

  @Get(':id')
  one() {}
}

const since = new Date('2026-11-01T00:00:00Z');
const sunset = new Date('2027-11-01T00:00:00Z');

/** The headers the interceptor sets for a request to `url` handled by `handler`. */
function headersFor(interceptor: DeprecationInterceptor, url: string, handler: () => void): Record<string, string> {
  const headers: Record<string, string> = {};
  const context = {
    getHandler: () => handler,
    getClass: () => ThingsV1,
    switchToHttp: () => ({ getRequest: () => ({ url }), getResponse: () => ({ header: (k: string, v: string) => (headers[k] = v) }) }),
  } as unknown as ExecutionContext;
  interceptor.intercept(context, { handle: () => of(null) });
  return headers;
}

describe('DeprecationInterceptor', () => {
  const reflector = new Reflector();
  const list = ThingsV1.prototype.list as () => void;
  const one = ThingsV1.prototype.one as () => void;

  it('deprecates every route of a version by default, with the successor where one is named', () => {
    const interceptor = new DeprecationInterceptor(reflector, { deprecated: { '1': { since, sunset } } });
    expect(headersFor(interceptor, '/v1/things', list)).toEqual({ Deprecation: '@1793491200', Sunset: 'Mon, 01 Nov 2027 00:00:00 GMT', Link: '</v2/things>; rel="successor-version"' });
    expect(headersFor(interceptor, '/v1/things/1', one)).toEqual({ Deprecation: '@1793491200', Sunset: 'Mon, 01 Nov 2027 00:00:00 GMT' });
  });

  it('perRoute: only routes with a successor are deprecated; the others stay current', () => {
    const interceptor = new DeprecationInterceptor(reflector, { deprecated: { '1': { since, sunset, perRoute: true } } });
    expect(headersFor(interceptor, '/v1/things', list)).toMatchObject({ Link: '</v2/things>; rel="successor-version"' });
    expect(headersFor(interceptor, '/v1/things/1', one)).toEqual({});
  });

  it('links a policy page only when one is given', () => {
    const interceptor = new DeprecationInterceptor(reflector, { deprecated: { '1': { since, sunset, policyUrl: 'https://api.example.com/deprecations' } } });
    expect(headersFor(interceptor, '/v1/things/1', one).Link).toBe('<https://api.example.com/deprecations>; rel="deprecation"; type="text/html"');
  });

  it('refuses a sunset before its deprecation, naming the option', () => {
    expect(() => new DeprecationInterceptor(reflector, { deprecated: { '1': { since: sunset, sunset: since } } })).toThrow('versioning option "deprecated.1": sunset comes before since');
  });
});
