import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Bounds of {@link JsonShapePipe}. */
export interface JsonShapeOptions {
  /** Deepest nesting of objects and arrays in a body. Default 16. */
  maxDepth?: number;
  /** Longest array anywhere in a body. Default 1000. */
  maxArrayLength?: number;
  /** Most query parameters. Default 30. */
  maxQueryParams?: number;
  /**
   * Refuse, in any string of a body, query or path parameter (keys too), what
   * no UTF-8 text column stores as sent: U+0000 and lone UTF-16 surrogates.
   * Default true.
   */
  strictText?: boolean;
  /** Longest query value, and most values of a repeated parameter. Default 1000 characters, 50 values. */
  maxQueryValueLength?: number;
  maxQueryValues?: number;
}

// Keys that reach Object.prototype through a careless merge or assignment
// (prototype pollution, CWE-1321). Refused anywhere in a body or query.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// Text that JSON carries but storage does not. U+0000: PostgreSQL text
// cannot hold it ("invalid byte sequence for encoding UTF8: 0x00"), so a NUL
// that reaches a query is a 500. A lone surrogate ("\ud800" in JSON) is not
// Unicode: UTF-8 encoders replace it with U+FFFD, silently changing the value,
// and validator.js's isEmail throws a URIError on it. With the u flag,
// [\uD800-\uDFFF] matches only surrogates that are not part of a pair.
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const NOT_STORABLE = /[\u0000\uD800-\uDFFF]/u;

const NOT_DTOS = new Set<unknown>([Object, String, Number, Boolean, Array, Buffer]);

function isDtoClass(metatype: unknown): boolean {
  return typeof metatype === 'function' && !NOT_DTOS.has(metatype);
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(detail: string): never {
  throw new BadRequestException({ message: detail, code: 'ERR_REQUEST_SHAPE' });
}

/**
 * Checks the shape of bodies and queries before any DTO sees them: nesting
 * depth, array length, prototype-polluting keys, text no database stores
 * (NUL, lone surrogates), and the number and size of query values (path
 * parameters: the text check only). Iterative, so a hostile depth cannot
 * overflow the stack.
 * Register it before the ValidationPipe.
 */
@Injectable()
export class JsonShapePipe implements PipeTransform {
  private readonly maxDepth: number;
  private readonly maxArray: number;
  private readonly maxParams: number;
  private readonly maxValueLength: number;
  private readonly maxValues: number;
  private readonly strictText: boolean;

  constructor(options: JsonShapeOptions = {}) {
    this.maxDepth = options.maxDepth ?? 16;
    this.maxArray = options.maxArrayLength ?? 1000;
    this.maxParams = options.maxQueryParams ?? 30;
    this.maxValueLength = options.maxQueryValueLength ?? 1000;
    this.maxValues = options.maxQueryValues ?? 50;
    this.strictText = options.strictText ?? true;
    for (const [name, value] of Object.entries({
      maxDepth: this.maxDepth,
      maxArrayLength: this.maxArray,
      maxQueryParams: this.maxParams,
      maxQueryValueLength: this.maxValueLength,
      maxQueryValues: this.maxValues,
    })) {
      if (!Number.isInteger(value) || value < 1) throw new Error(`validation option "${name}" must be a whole number >= 1`);
    }
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    // A whole body bound to a DTO class must be an object: Nest's
    // ValidationPipe turns null and a missing body into {}, so a PATCH whose
    // fields are all optional would otherwise answer 200 to no body at all.
    if (metadata.type === 'body' && metadata.data === undefined && isDtoClass(metadata.metatype) && !isObject(value)) {
      refuse('The body must be a JSON object');
    }
    if (metadata.type === 'body') this.checkBody(value);
    // `@Query('name')` hands over one parameter's value(s), `@Query()` the whole query.
    if (metadata.type === 'query') this.checkQuery(metadata.data && value !== undefined ? { [metadata.data]: value } : value);
    if (metadata.type === 'param' && typeof value === 'string' && this.unstorable(value)) {
      refuse('A path parameter contains a NUL character (U+0000) or a lone surrogate');
    };
    return value;
  }

  private unstorable(text: string): boolean {
    return this.strictText && NOT_STORABLE.test(text);
  }

  private checkBody(root: unknown): void {
    const stack: [unknown, number][] = [[root, 0]];
    while (stack.length) {
      const [node, depth] = stack.pop() as [unknown, number];
      if (typeof node === 'string' && this.unstorable(node)) refuse('A string in the body contains a NUL character (U+0000) or a lone surrogate');
      if (node === null || typeof node !== 'object') continue;
      if (depth >= this.maxDepth) refuse(`The body is nested deeper than ${this.maxDepth} levels`);
      if (Array.isArray(node)) {
        if (node.length > this.maxArray) refuse(`An array in the body has more than ${this.maxArray} items`);
        for (const item of node) stack.push([item, depth + 1]);
        continue;
      }
      for (const key of Object.keys(node)) {
        if (FORBIDDEN_KEYS.has(key)) refuse(`The body may not contain the key "${key}"`);
        if (this.unstorable(key)) refuse('A key in the body contains a NUL character (U+0000) or a lone surrogate');
        stack.push([(node as Record<string, unknown>)[key], depth + 1]);
      }
    }
  }

  private checkQuery(query: unknown): void {
    if (query === null || typeof query !== 'object') return;
    const keys = Object.keys(query);
    if (keys.length > this.maxParams) refuse(`The query has more than ${this.maxParams} parameters`);
    for (const key of keys) {
      if (FORBIDDEN_KEYS.has(key)) refuse(`The query may not contain the key "${key}"`);
      if (this.unstorable(key)) refuse('A query parameter name contains a NUL character (U+0000) or a lone surrogate');
      const value = (query as Record<string, unknown>)[key];
      const values = Array.isArray(value) ? value : [value];
      if (values.length > this.maxValues) refuse(`The query parameter "${key}" is repeated more than ${this.maxValues} times`);
      for (const v of values) {
        if (typeof v !== 'string') refuse(`The query parameter "${key}" must be a plain value`);
        if (v.length > this.maxValueLength) refuse(`The query parameter "${key}" is longer than ${this.maxValueLength} characters`);
        if (this.unstorable(v)) refuse(`The query parameter "${key}" contains a NUL character (U+0000) or a lone surrogate`);
      }
    }
  }
}
