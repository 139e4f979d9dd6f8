export { ProblemDetailsFilter, PROBLEM_CONTENT_TYPE } from './problem-details.filter.js';
export type { ProblemBody, MappedProblem, ProblemMapper, ProblemDetailsOptions } from './problem-details.filter.js';
export { ProblemException } from './problem.exception.js';
export type { ProblemInit } from './problem.exception.js';
