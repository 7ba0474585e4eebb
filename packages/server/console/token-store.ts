/** The bearer token, kept for this tab only (sessionStorage), never in a cookie or the URL. */

const KEY = "agentgov.console.token";

/** The stored token, or null. */
export function loadToken(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Stores the token for this tab. */
export function saveToken(token: string): void {
  try {
    window.sessionStorage.setItem(KEY, token);
  } catch {
    // Storage refused (private mode): the token lives in memory until the tab reloads.
  }
}

/** Forgets the token. */
export function clearToken(): void {
  try {
    window.sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}

/** True for a plausible bearer token: printable ASCII without spaces, at most 512 characters. */
export function isPlausibleToken(token: string): boolean {
  return /^[\x21-\x7e]{1,512}$/.test(token);
}
