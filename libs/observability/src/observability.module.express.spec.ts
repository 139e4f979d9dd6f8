import { describeObservabilityModule, describeObservabilityOptions } from '../test/observability-module.cases.js';

describeObservabilityModule('Express');
describeObservabilityOptions();
