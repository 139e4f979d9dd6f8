import { describeObservabilityModule } from './observability.module.cases.js';

describeObservabilityModule('Fastify');
