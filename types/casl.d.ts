// The CASL packages publish their types only through package.json "exports", which `moduleResolution: node`
// (node10) does not read. These declarations point the type checker at the same files; at run time Node resolves
// the packages normally. Not needed with node16, nodenext or bundler resolution (libs/authz README, step 3).
declare module '@casl/ability' {
  export * from '@casl/ability/dist/types/index';
}
declare module '@casl/ability/extra' {
  export * from '@casl/ability/dist/types/extra/index';
}
declare module '@casl/prisma/runtime' {
  export * from '@casl/prisma/dist/types/runtime';
}
