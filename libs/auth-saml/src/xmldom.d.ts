// Types of the one @xmldom/xmldom file this lib imports (see xml-checks.ts for why not the package's own typings).
// The same in every module resolution mode: the file has no typings of its own.
declare module '@xmldom/xmldom/lib/dom-parser.js' {
  type ErrorHandler = Record<'warning' | 'error' | 'fatalError', (message: string) => void>;
  /** xmldom's DOM parser; `errorHandler` receives every problem, so a warning can refuse the document. */
  export const DOMParser: new (options: { errorHandler: ErrorHandler }) => { parseFromString(xml: string, type: string): unknown };
}
