'use strict';
// Jest on Node 22 cannot require() ES modules, so jest.config.js has Babel
// compile the ES-only packages (NestJS 12 and a few more) to CommonJS. Some
// of them declare `const require = createRequire(import.meta.url)`; once
// compiled to CommonJS, that local `require` shadows the module's own and
// Babel's hoisted imports call it before it is initialised ("Cannot access
// '_require' before initialization"). In CommonJS the module's own `require`
// already resolves from the same file, so the declaration is dropped.
// No Babel plugin on npm does this one thing; it is six lines.
module.exports = function dropCreateRequire() {
  return {
    visitor: {
      VariableDeclarator(path) {
        const { id, init } = path.node;
        if (id.type === 'Identifier' && id.name === 'require' && init?.type === 'CallExpression' && init.callee.type === 'Identifier' && init.callee.name === 'createRequire') {
          path.remove();
        }
      },
    },
  };
};
