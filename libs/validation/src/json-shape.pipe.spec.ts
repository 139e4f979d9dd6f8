import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { JsonShapePipe } from './json-shape.pipe.js';

const body: ArgumentMetadata = { type: 'body' };
const query: ArgumentMetadata = { type: 'query' };
const param: ArgumentMetadata = { type: 'param', data: 'id' };

/** The `detail` the pipe refuses with, or null when it lets the value through. */
function refusal(pipe: JsonShapePipe, value: unknown, metadata: ArgumentMetadata): string | null {
  try {
    pipe.transform(value, metadata);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    const response = (e as BadRequestException).getResponse() as { message: string; code: string };
    expect(response.code).toBe('ERR_REQUEST_SHAPE');
    return response.message;
  }
}

describe('JsonShapePipe', () => {
  const pipe = new JsonShapePipe({ maxDepth: 3, maxArrayLength: 2, maxQueryParams: 2, maxQueryValueLength: 5, maxQueryValues: 2 });

  it('lets ordinary bodies, queries and path parameters through unchanged', () => {
    const value = { a: 'x', b: [1, { c: 'y' }] };
    expect(pipe.transform(value, body)).toBe(value);
    expect(refusal(pipe, { page: '1' }, query)).toBeNull();
    expect(refusal(pipe, 'abc', param)).toBeNull();
  });

  it('bounds depth and array length', () => {
    expect(refusal(pipe, { a: { b: { c: {} } } }, body)).toMatch(/nested deeper than 3/);
    expect(refusal(pipe, { a: [1, 2, 3] }, body)).toMatch(/more than 2/);
  });

  it('refuses prototype-polluting keys at any depth', () => {
    expect(refusal(pipe, JSON.parse('{"a":{"__proto__":{"x":1}}}'), body)).toMatch(/__proto__/);
    expect(refusal(pipe, { constructor: 'x' }, query)).toMatch(/constructor/);
  });

  it('bounds the query: parameters, repeats, length, and only plain values', () => {
    expect(refusal(pipe, { a: '1', b: '2', c: '3' }, query)).toMatch(/more than 2 parameters/);
    expect(refusal(pipe, { a: ['1', '2', '3'] }, query)).toMatch(/repeated more than 2/);
    expect(refusal(pipe, { a: '123456' }, query)).toMatch(/longer than 5/);
    expect(refusal(pipe, { a: { b: '1' } }, query)).toMatch(/plain value/);
  });

  it("checks one named parameter (@Query('name')) the same way", () => {
    const named: ArgumentMetadata = { type: 'query', data: 'q' };
    expect(refusal(pipe, 'ok', named)).toBeNull();
    expect(refusal(pipe, undefined, named)).toBeNull();
    expect(refusal(pipe, '123456', named)).toMatch(/"q" is longer than 5/);
    expect(refusal(pipe, ['1', '2', '3'], named)).toMatch(/"q" is repeated/);
    expect(refusal(pipe, 'a\u0000', named)).toMatch(/NUL/);
  });

  it('refuses U+0000 in body strings and keys, query values and names, and path parameters', () => {
    expect(refusal(pipe, { title: 'a\u0000b' }, body)).toMatch(/NUL/);
    expect(refusal(pipe, { list: ['ok', '\u0000'] }, body)).toMatch(/NUL/);
    expect(refusal(pipe, 'raw\u0000', body)).toMatch(/NUL/);
    expect(refusal(pipe, { ['k\u0000']: 1 }, body)).toMatch(/NUL/);
    expect(refusal(pipe, { a: '\u0000' }, query)).toMatch(/NUL/);
    expect(refusal(pipe, { ['\u0000']: '1' }, query)).toMatch(/NUL/);
    expect(refusal(pipe, 'a\u0000b', param)).toMatch(/NUL/);
    // Other control characters are a DTO's business, not this pipe's.
    expect(refusal(pipe, { title: 'a\u0001b' }, body)).toBeNull();
  });

  it('refuses lone surrogates but keeps characters outside the BMP, which are surrogate pairs', () => {
    expect(refusal(pipe, { email: '\ud800' }, body)).toMatch(/lone surrogate/);
    expect(refusal(pipe, { email: 'a\udc00' }, body)).toMatch(/lone surrogate/);
    expect(refusal(pipe, { q: 'x\ud83d' }, query)).toMatch(/lone surrogate/);
    expect(refusal(pipe, '\udfff', param)).toMatch(/lone surrogate/);
    expect(refusal(pipe, { title: '😀 𝄞 \ud83d\ude00' }, body)).toBeNull();
  });

  it('lets such text through when told to (for a store that can hold it)', () => {
    expect(refusal(new JsonShapePipe({ strictText: false }), { title: 'a\u0000b\ud800' }, body)).toBeNull();
  });

  it('wants an object where a whole body is bound to a DTO class, whatever the DTO makes optional', () => {
    class PatchDto {
      title?: string;
    }
    const dto: ArgumentMetadata = { type: 'body', metatype: PatchDto };
    for (const value of [undefined, null, 'x', 1, true, [], [{ title: 'a' }]]) expect(refusal(pipe, value, dto)).toBe('The body must be a JSON object');
    expect(refusal(pipe, {}, dto)).toBeNull();
    // A named part of the body, or a body not bound to a class, is the DTO's or the handler's business.
    expect(refusal(pipe, undefined, { type: 'body', data: 'title', metatype: String })).toBeNull();
    expect(refusal(pipe, null, { type: 'body', metatype: Object })).toBeNull();
  });

  it('refuses a bound that is not a whole number >= 1', () => {
    expect(() => new JsonShapePipe({ maxDepth: 0 })).toThrow('validation option "maxDepth" must be a whole number >= 1');
  });
});
