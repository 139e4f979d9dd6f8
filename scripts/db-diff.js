#!/usr/bin/env node
'use strict';
// `npm run db:diff`: prints the SQL that would bring a database built from prisma/migrations to prisma/schema.prisma
// ("-- This is an empty migration." when there is no drift; exit code 2 when there is, 1 on error).
//
// Written by hand because `prisma migrate diff` cannot run here: Prisma 7's CLI runs every migrate command through
// its Rust schema-engine binary, downloaded from binaries.prisma.sh at first use, and nothing in Bastion may download
// a binary. The same engine is published as WebAssembly (@prisma/schema-engine-wasm, the build Prisma 6's CLI ran
// with a driver adapter); this drives it the way that CLI did, with a throwaway in-memory PGlite as shadow database.
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.join(__dirname, '..');
const schemaPath = path.join(root, 'prisma', 'schema.prisma');
const migrationsDir = path.join(root, 'prisma', 'migrations');

async function loadSchemaEngine() {
  // The package's entry imports its .wasm as an ES module, which Node 22 only allows behind a flag: instantiate it.
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bg = await import(pathToFileURL(path.join(dir, 'schema_engine_bg.js')).href);
  const bytes = fs.readFileSync(path.join(dir, 'schema_engine_bg.wasm'));
  const { instance } = await globalThis.WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bg.SchemaEngine;
}

function migrationList() {
  const lockfile = path.join(migrationsDir, 'migration_lock.toml');
  const directories = fs
    .readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return {
    tag: 'migrations',
    baseDir: migrationsDir,
    lockfile: { path: lockfile, content: fs.existsSync(lockfile) ? fs.readFileSync(lockfile, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: directories.map((name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const content = fs.existsSync(file)
        ? { tag: 'ok', value: fs.readFileSync(file, 'utf8') }
        : { tag: 'error', value: `${file} is missing` };
      return { path: path.join(migrationsDir, name), migrationFile: { path: file, content } };
    }),
  };
}

async function main() {
  const { PGlite } = require('@electric-sql/pglite');
  const { PrismaPGlite } = require('pglite-prisma-adapter');
  const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');
  const SchemaEngine = await loadSchemaEngine();
  const schema = fs.readFileSync(schemaPath, 'utf8');
  const pglite = new PGlite();
  try {
    const engine = await SchemaEngine.new(
      { datamodels: [[schemaPath, schema]] },
      () => {},
      bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite)),
    );
    const result = await engine.diff({
      from: migrationList(),
      to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schema }] },
      script: true,
      exitCode: true,
      filters: { externalTables: [], externalEnums: [] },
    });
    process.stdout.write(result.stdout ?? '');
    return result.exitCode;
  } finally {
    await pglite.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
