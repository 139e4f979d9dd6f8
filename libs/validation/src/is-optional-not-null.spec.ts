import { IsOptional, IsString, validateSync } from 'class-validator';
import { IsOptionalNotNull } from './is-optional-not-null.js';

class Strict {
  @IsOptionalNotNull()
  @IsString()
  title?: string;
}

class Loose {
  // The class-validator behaviour this decorator replaces.
  @IsOptional()
  @IsString()
  title?: string;
}

const errorsOf = (type: new () => object, value: Record<string, unknown>) => validateSync(Object.assign(new type(), value)).length;

describe('IsOptionalNotNull', () => {
  it('skips the rules for a property left out, and applies them to null like any value', () => {
    expect(errorsOf(Strict, {})).toBe(0);
    expect(errorsOf(Strict, { title: 'x' })).toBe(0);
    expect(errorsOf(Strict, { title: null })).toBe(1);
    expect(errorsOf(Strict, { title: 3 })).toBe(1);
  });

  it('differs from IsOptional, which lets null past every rule', () => {
    expect(errorsOf(Loose, { title: null })).toBe(0);
  });
});
