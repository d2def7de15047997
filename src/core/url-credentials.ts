/**
 * Hides credentials in URLs before text leaves the process (config show, logs, error messages).
 * A URL may carry a password in its userinfo (RFC 3986 §3.2.1, deprecated there for exactly this
 * reason) and libpq-style connection strings also accept one as a query parameter
 * (`?password=…`, PostgreSQL "Connection URIs"); both become `***`, the user name stays so an
 * operator can still tell which account is configured.
 */
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*):[^\s@/?#]*@/gi;
const SECRET_PARAM = /([?&;](?:password|passwd|pwd|pass|sslpassword|secret|token|api[_-]?key|access[_-]?key|auth)=)[^&#\s;"']*/gi;

export function maskUrlCredentials(text: string): string {
  if (!text.includes('://') && !/[?&;]\w*=/.test(text)) return text;
  return text.replace(USERINFO_PASSWORD, '$1:***@').replace(SECRET_PARAM, '$1***');
}
