import { parseDuration, rotateKeyRingFile, systemClock } from '@bastion/auth';
import { createAuditHasher, SqlAuditStore } from '@bastion/audit';
import { auditSessionOf } from '../apps/api/src/audit/audit.module';
import { authConfig, observabilityConfig } from '../apps/api/src/config';
import { openConfiguredDatabase, runScript } from './database';

// `npm run jwt:rotate`: a new active signing key in the key ring file. The
// old key stays in the JWKS (and verifies) until every token it signed has
// expired: the access-token lifetime plus a minute. Running instances pick
// the change up by themselves (they watch the file).
runScript(async () => {
  const cfg = authConfig();
  if (cfg.JWT_SIGNING_KEYS) {
    throw new Error(
      'JWT_SIGNING_KEYS holds the keys: rotate by putting a new key first in that list, keeping the old one until tokens it signed expire.',
    );
  }
  const keep = parseDuration(cfg.JWT_ACCESS_TTL) + 60;
  // `npm run jwt:rotate -- --publish-first 5m`: publish now, sign later, for relying parties that cache the JWKS.
  const flag = process.argv.indexOf('--publish-first');
  const publishFirst = flag > 0 ? parseDuration(process.argv[flag + 1] ?? '', '--publish-first') : 0;
  const report = await rotateKeyRingFile(cfg.JWT_KEYS_FILE, keep, systemClock, publishFirst);
  // Key rotation is a security event: into the audit trail, like any other.
  // The rotation stands even when recording it fails; say so loudly.
  try {
    const db = await openConfiguredDatabase();
    try {
      await new SqlAuditStore(auditSessionOf(db)).appendBatch(
        [{ action: 'key.rotate', outcome: 'success', actorType: 'system', targetType: 'signing-key', targetId: report.newKid.slice(0, 64), details: { retiring: report.retiring.length, removed: report.removed.length } }],
        createAuditHasher(observabilityConfig().AUDIT_HMAC_KEY),
      );
    } finally {
      await db.close();
    }
  } catch (error) {
    console.error(`WARNING: the rotation was not recorded in the audit trail: ${(error as Error).message}`);
  }
  console.log(`New signing key ${report.newKid} in ${cfg.JWT_KEYS_FILE}, signing from ${report.activatesAt}.`);
  for (const k of report.retiring) console.log(`  ${k.kid} still verifies until ${k.retiresAt}`);
  for (const kid of report.removed) console.log(`  ${kid} removed (retired)`);
});
