import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** The rows of the first Markdown table of `text`, as cells. */
export function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim()));
  }
  return rows;
}

/** Problems of the OWASP table: a missing risk, a row without a test, a test file that does not exist. */
export function owaspTableProblems(text: string, root: string): string[] {
  const problems: string[] = [];
  const rows = tableRows(text);
  for (let n = 1; n <= 10; n++) {
    const id = `API${n}:2023`;
    const row = rows.find((r) => r[0]?.startsWith(`${id} `));
    if (!row) {
      problems.push(`${id}: no row`);
      continue;
    }
    if (!/\d+\.\d+\.\d+/.test(row[1] ?? '')) problems.push(`${id}: no ASVS requirement`);
    if (!(row[2] ?? '').includes('`')) problems.push(`${id}: no lib named`);
    const tests = [...(row[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
    if (!tests.length) problems.push(`${id}: no test file named`);
    for (const file of tests) {
      if (!/\.(e2e-)?spec\.ts$/.test(file)) problems.push(`${id}: ${file} is not a test file`);
      else if (!existsSync(join(root, file))) problems.push(`${id}: ${file} does not exist`);
    }
  }
  return problems;
}

/** The sections every lib README must have, by heading (the first is the text under the title). */
export const README_SECTIONS = ['Copy it into your app', 'Options', 'Security notes'];

/** Problems of a lib README: no description under the title, or a missing section. */
export function readmeProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('# ')) problems.push(`libs/${name}/README.md: no title`);
  const intro = lines.slice(1, lines.findIndex((l, i) => i > 0 && l.startsWith('## '))).join(' ').trim();
  if (intro.length < 80) problems.push(`libs/${name}/README.md: no description of what it does under the title`);
  const headings = lines.filter((l) => l.startsWith('## ')).map((l) => l.slice(3).trim());
  for (const section of README_SECTIONS) {
    if (!headings.includes(section)) problems.push(`libs/${name}/README.md: no "## ${section}" section`);
  }
  return problems;
}

describe('docs/owasp.md', () => {
  const text = readFileSync(join(ROOT, 'docs', 'owasp.md'), 'utf8');

  it('has a row for each of the ten risks, and every test file it names exists', () => {
    expect(owaspTableProblems(text, ROOT)).toEqual([]);
  });

  it('the check fails on a missing row and on a test file that does not exist', () => {
    const broken = text.replace(/^\| API7:2023.*\n/m, '').replace('`test/authz.e2e-spec.ts`, `test/fuzz.e2e-spec.ts`', '`test/no-such.e2e-spec.ts`');
    expect(owaspTableProblems(broken, ROOT)).toEqual(['API1:2023: test/no-such.e2e-spec.ts does not exist', 'API7:2023: no row']);
  });
});

describe('lib READMEs', () => {
  const libs = readdirSync(join(ROOT, 'libs'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

  it('every lib has a README with what it does, copy-in steps, options and security notes', () => {
    expect(libs.length).toBeGreaterThan(10);
    const problems = libs.flatMap((name) => {
      const path = join(ROOT, 'libs', name, 'README.md');
      return existsSync(path) ? readmeProblems(name, readFileSync(path, 'utf8')) : [`libs/${name}/README.md: missing`];
    });
    expect(problems).toEqual([]);
  });

  it('the check names what a README lacks', () => {
    expect(readmeProblems('x', '# @bastion/x\n\nShort.\n\n## Options\n')).toEqual([
      'libs/x/README.md: no description of what it does under the title',
      'libs/x/README.md: no "## Copy it into your app" section',
      'libs/x/README.md: no "## Security notes" section',
    ]);
  });
});
