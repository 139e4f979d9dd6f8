export { ProblemDetailsFilter, PROBLEM_CONTENT_TYPE } from './problem-details.filter';
export type { ProblemBody } from './problem-details.filter';
export { ProblemException } from './problem.exception';
export type { ProblemInit } from './problem.exception';
