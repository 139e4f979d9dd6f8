export { FieldEncryptionError } from './errors';
export type { FieldEncryptionErrorCode } from './errors';
export { FieldKeyRing, generateFieldKey, newKid, decodeKey, checkKeyBytes, KID_PATTERN } from './key-ring';
export type { FieldKey, KeyRingMaterial } from './key-ring';
export { encryptField, encryptWith, decryptField, blindIndex, parseCiphertext, kidOf, FORMAT_VERSION } from './cipher';
export type { FieldContext, ParsedCiphertext } from './cipher';
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
} from './key-provider';
export type { FieldKeyProvider, FileKeyProviderOptions, KeyFileContent } from './key-provider';
export { resolveFields } from './options';
export type { EncryptedFieldOptions, EncryptedModelOptions, FieldEncryptionOptions, ResolvedField } from './options';
export { fieldEncryptionExtension, withFieldEncryption } from './prisma-extension';
export { SqlFieldStore, reencryptFields, keysInUse, verifyFieldKeys } from './rotation';
export type { FieldRowStore, ReencryptOptions, ReencryptReport, SqlQuery, StoredValue } from './rotation';
