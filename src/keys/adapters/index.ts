export { EncryptedKeyStore, ENCRYPTED_KEY_SCHEME } from './encrypted-key-store.js';
export { loadMasterKey, deriveMasterKey, parseMasterSecret, type MasterKey, type KeyStoreLogger } from './master-key.js';
export { Pkcs11KeyStore, type Pkcs11KeyStoreOptions } from './pkcs11-key-store.js';
