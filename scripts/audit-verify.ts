import { SqlAuditStore, verifyAuditChain } from '@bastion/audit';
import { auditSessionOf } from '../apps/api/src/audit/audit.module';
import { observabilityConfig } from '../apps/api/src/config';
import { openConfiguredDatabase, runScript } from './database';

// `npm run audit:verify`: walks the audit chain of the configured database.
// Exits 0 when every event links to the one before and its hash matches;
// otherwise 1, naming the first altered, inserted or deleted event.
runScript(async () => {
  const db = await openConfiguredDatabase();
  try {
    const result = await verifyAuditChain(new SqlAuditStore(auditSessionOf(db)), { hmacKey: observabilityConfig().AUDIT_HMAC_KEY });
    if (result.ok) {
      console.log(`Audit chain intact: ${result.count} event(s).`);
      return;
    }
    console.error(`Audit chain broken at event ${result.seq}: ${result.problem}.`);
    process.exitCode = 1;
  } finally {
    await db.close();
  }
});
