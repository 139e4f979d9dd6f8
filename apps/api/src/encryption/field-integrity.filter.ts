import { type ArgumentsHost, Catch, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FieldEncryptionError } from '@bastion/field-encryption';
import { Metrics } from '@bastion/observability';
import { ProblemDetailsFilter, ProblemException } from '@bastion/problem-details';

/**
 * A stored encrypted value that does not authenticate is server-side data
 * corruption or tampering (a ciphertext altered, or moved onto another row or
 * column), not bad client input: a 500 problem with the stable code
 * `ERR_DATA_INTEGRITY` and no detail of which value, the full cause in the
 * log line with the request id, and a count on /metrics
 * (`field_integrity_failures_total`) for alerting. The response never holds a
 * plaintext: the read stopped before anything was returned.
 * OWASP ASVS 11.3.3 (authenticated encryption), 16.3.4 (log security control failures).
 */
@Catch(FieldEncryptionError)
export class FieldIntegrityFilter extends ProblemDetailsFilter {
  private readonly log = new Logger('FieldEncryption');
  private readonly failures;

  constructor(adapterHost: HttpAdapterHost, metrics: Metrics) {
    super(adapterHost);
    this.failures = metrics.counter('field_integrity_failures_total', 'Encrypted values that failed to decrypt or query, by code', ['code']);
  }

  override catch(exception: FieldEncryptionError, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<{ id?: string }>();
    this.failures.inc({ code: exception.code });
    // Names the model, field, row and key id; never a value.
    this.log.error(`${exception.code} [${request.id ?? '-'}]: ${exception.message}`);
    const code = exception.code === 'ERR_FIELD_QUERY' ? 'ERR_INTERNAL' : 'ERR_DATA_INTEGRITY';
    super.catch(new ProblemException(500, { detail: 'The server could not read the stored data.', code }), host);
  }
}
