import { createAuditHasher, SqlAuditStore } from '@bastion/audit';
import { auditSessionOf } from '../apps/api/src/audit/audit.module';
import { observabilityConfig } from '../apps/api/src/config';
import { rotateFieldKeys } from '../apps/api/src/encryption/rotate-keys';
import { openConfiguredDatabase, runScript } from './database';

// `npm run encryption:rotate [-- --batch-size 500] [--encrypt-plaintext]`:
// a new active field-encryption key, every encrypted value re-encrypted under
// it in batches, old keys retired once no row uses them. Safe to stop and run
// again (it resumes), and to run while the API runs on PostgreSQL. On the
// embedded database stop the app first: PGlite allows one process per folder.
runScript(async () => {
  const argv = process.argv.slice(2);
  const flag = argv.indexOf('--batch-size');
  const batchSize = flag >= 0 ? Number(argv[flag + 1]) : undefined;
  const db = await openConfiguredDatabase();
  let result;
  try {
    result = await rotateFieldKeys(db, {
      batchSize,
      adoptPlaintext: argv.includes('--encrypt-plaintext'),
      onBatch: (p) => console.log(`  ${p.model}.${p.field}: ${p.done} re-encrypted so far`),
    });
    // A rotation is a security event: into the audit trail. It stands even when recording fails; say so loudly.
    try {
      await new SqlAuditStore(auditSessionOf(db)).appendBatch(
        [{ action: 'key.rotate', outcome: result.report.failed.length ? 'failure' : 'success', actorType: 'system', targetType: 'encryption-key', targetId: result.activeKid, details: { reencrypted: result.report.reencrypted, adopted: result.report.adopted, failed: result.report.failed.length, retired: result.retired } }],
        createAuditHasher(observabilityConfig().AUDIT_HMAC_KEY),
      );
    } catch (error) {
      console.error(`WARNING: the rotation was not recorded in the audit trail: ${(error as Error).message}`);
    }
  } finally {
    await db.close();
  }
  const { report } = result;
  console.log(`${result.resumed ? 'Resumed the rotation to' : result.createdKid ? 'New active key' : 'Active key'} ${result.activeKid}: ${report.reencrypted} value(s) re-encrypted${report.adopted ? `, ${report.adopted} plaintext value(s) encrypted` : ''}.`);
  for (const kid of result.retired) console.log(`  ${kid} retired (no row uses it)`);
  for (const kid of result.unusedConfiguredKeys) console.log(`  ${kid} is no longer used: remove it from ENCRYPTION_KEYS`);
  for (const kid of result.stillInUse) console.log(`  ${kid} is still used by some rows: kept`);
  for (const f of report.failed) console.error(`  FAILED ${f.model}.${f.field} of ${f.id}: ${f.code} (left as it is)`);
  if (report.failed.length) {
    console.error('Some values could not be decrypted; the old keys they name stay. Fix or remove those rows and run the command again.');
    process.exitCode = 1;
  }
});
