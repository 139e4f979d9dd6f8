import { describeObservabilityModule, describeObservabilityOptions } from './observability.module.cases.js';

describeObservabilityModule('Express');
describeObservabilityOptions();
