/** What an API key may do. Reading anything personal needs PERSONAL_DATA_READ on top. */
export enum Scope {
  PROFILES_READ = 'PROFILES_READ',
  PERSONAL_DATA_READ = 'PERSONAL_DATA_READ',
  FORGET = 'FORGET',
  INGEST = 'INGEST',
  SETTINGS_WRITE = 'SETTINGS_WRITE',
  KEYS_ADMIN = 'KEYS_ADMIN',
  AUDIT_READ = 'AUDIT_READ',
}

export const ALL_SCOPES: Scope[] = Object.values(Scope);

/** Not a key scope: granted only to operator keys (BOOTSTRAP_ADMIN_KEY). */
export const OPERATOR = 'OPERATOR';
