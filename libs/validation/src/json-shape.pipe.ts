import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** Bounds of {@link JsonShapePipe}. */
export interface JsonShapeOptions {
  /** Deepest nesting of objects and arrays in a body. Default 16. */
  maxDepth?: number;
  /** Longest array anywhere in a body. Default 1000. */
  maxArrayLength?: number;
  /** Most query parameters. Default 30. */
  maxQueryParams?: number;
  /** Longest query value, and most values of a repeated parameter. Default 1000 characters, 50 values. */
  maxQueryValueLength?: number;
  maxQueryValues?: number;
}

// Keys that reach Object.prototype through a careless merge or assignment
// (prototype pollution, CWE-1321). Refused anywhere in a body or query.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function refuse(detail: string): never {
  throw new BadRequestException({ message: detail, code: 'ERR_REQUEST_SHAPE' });
}

/**
 * Checks the shape of bodies and queries before any DTO sees them: nesting
 * depth, array length, prototype-polluting keys, and the number and size of
 * query values. Iterative, so a hostile depth cannot overflow the stack.
 * Register it before the ValidationPipe.
 */
@Injectable()
export class JsonShapePipe implements PipeTransform {
  private readonly maxDepth: number;
  private readonly maxArray: number;
  private readonly maxParams: number;
  private readonly maxValueLength: number;
  private readonly maxValues: number;

  constructor(options: JsonShapeOptions = {}) {
    this.maxDepth = options.maxDepth ?? 16;
    this.maxArray = options.maxArrayLength ?? 1000;
    this.maxParams = options.maxQueryParams ?? 30;
    this.maxValueLength = options.maxQueryValueLength ?? 1000;
    this.maxValues = options.maxQueryValues ?? 50;
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
    if (metadata.type === 'body') this.checkBody(value);
    if (metadata.type === 'query') this.checkQuery(value);
    return value;
  }

  private checkBody(root: unknown): void {
    const stack: [unknown, number][] = [[root, 0]];
    while (stack.length) {
      const [node, depth] = stack.pop() as [unknown, number];
      if (node === null || typeof node !== 'object') continue;
      if (depth >= this.maxDepth) refuse(`The body is nested deeper than ${this.maxDepth} levels`);
      if (Array.isArray(node)) {
        if (node.length > this.maxArray) refuse(`An array in the body has more than ${this.maxArray} items`);
        for (const item of node) stack.push([item, depth + 1]);
        continue;
      }
      for (const key of Object.keys(node)) {
        if (FORBIDDEN_KEYS.has(key)) refuse(`The body may not contain the key "${key}"`);
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
      const value = (query as Record<string, unknown>)[key];
      const values = Array.isArray(value) ? value : [value];
      if (values.length > this.maxValues) refuse(`The query parameter "${key}" is repeated more than ${this.maxValues} times`);
      for (const v of values) {
        if (typeof v !== 'string') refuse(`The query parameter "${key}" must be a plain value`);
        if (v.length > this.maxValueLength) refuse(`The query parameter "${key}" is longer than ${this.maxValueLength} characters`);
      }
    }
  }
}
