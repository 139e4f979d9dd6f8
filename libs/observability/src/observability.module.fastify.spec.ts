import { describeObservabilityModule } from '../test/observability-module.cases.js';

describeObservabilityModule('Fastify');
