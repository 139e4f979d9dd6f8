export { FieldEncryptionError } from './errors.js';
export type { FieldEncryptionErrorCode } from './errors.js';
export { FieldKeyRing, generateFieldKey, newKid, decodeKey, checkKeyBytes, KID_PATTERN } from './key-ring.js';
export type { FieldKey, KeyRingMaterial } from './key-ring.js';
export { encryptField, encryptWith, decryptField, blindIndex, parseCiphertext, kidOf, FORMAT_VERSION } from './cipher.js';
export type { FieldContext, ParsedCiphertext } from './cipher.js';
export {
  FileKeyProvider,
  StaticKeyProvider,
  parseKeyList,
  readKeyFile,
  writeKeyFile,
  newKeyFile,
  materialOf,
  watchKeyRing,
  isKid,
} from './key-provider.js';
export type { FieldKeyProvider, FileKeyProviderOptions, KeyFileContent } from './key-provider.js';
export { resolveFields } from './options.js';
export type { EncryptedFieldOptions, EncryptedModelOptions, FieldEncryptionOptions, ResolvedField } from './options.js';
export { fieldEncryptionExtension, withFieldEncryption } from './prisma-extension.js';
export { SqlFieldStore, reencryptFields, keysInUse, verifyFieldKeys } from './rotation.js';
export type { FieldRowStore, ReencryptOptions, ReencryptReport, SqlQuery, StoredValue } from './rotation.js';
