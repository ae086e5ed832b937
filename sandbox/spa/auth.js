// Signing in: the authorization code flow with PKCE against the Keycloak-like realm, the code
// coming back in the URL fragment. Tokens live in web storage (sessionStorage unless the site
// says local); only one refresh runs at a time, shared by every request that found its token old.

const app = document.getElementById("app");
const AUTH = app.dataset.auth;  // …/auth/realms/master/protocol/openid-connect
const CLIENT_ID = app.dataset.clientId;
const REDIRECT = location.origin + app.dataset.redirectPath;  // the one registered redirect URI
const tokenStore = app.dataset.tokenStorage === "local" ? localStorage : sessionStorage;
const TOKENS = "emenscr.tokens";
const PENDING = "emenscr.pkce";  // a sign-in under way: verifier, state, nonce, where to go back (per tab)

export class SignInError extends Error {}

function held() {
  try {
    return JSON.parse(tokenStore.getItem(TOKENS));
  } catch (error) {
    return null;
  }
}

function keep(answer) {
  const {access_token, refresh_token, id_token} = answer;
  tokenStore.setItem(TOKENS, JSON.stringify({access_token, refresh_token, id_token}));
}

export function accessToken() {
  const tokens = held();
  return tokens && tokens.access_token;
}

export function forget() {
  tokenStore.removeItem(TOKENS);
}

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function claims(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// Off to the sign-in page; the promise never settles, the page is leaving.
export async function signIn() {
  if (!(window.crypto && crypto.subtle)) {
    throw new SignInError("เบราว์เซอร์ไม่อนุญาตให้ใช้ crypto.subtle: เปิดผ่าน https หรือ http://127.0.0.1 เท่านั้น");
  }
  const pending = {verifier: randomText(48), state: randomText(16), nonce: randomText(16),
                   back: location.pathname + location.search};
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(pending.verifier));
  const query = new URLSearchParams({  // in the order of the public link to the real site
    client_id: CLIENT_ID, response_mode: "fragment", response_type: "code", scope: "openid",
    redirect_uri: REDIRECT, code_challenge: base64url(new Uint8Array(digest)), code_challenge_method: "S256",
    state: pending.state, nonce: pending.nonce});
  location.assign(`${AUTH}/auth?${query}`);
  return new Promise(() => {});
}

// Back from the sign-in page: trade the code for tokens. Returns the address to go back to,
// or null when this load is not a return from signing in.
export async function finishSignIn() {
  const answer = new URLSearchParams(location.hash.slice(1));
  if (!answer.has("code") && !answer.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", location.pathname + location.search);  // the code leaves the address bar
  if (answer.has("error")) throw new SignInError(answer.get("error_description") || answer.get("error"));
  if (!pending || answer.get("state") !== pending.state) throw new SignInError("คำตอบจากหน้าเข้าสู่ระบบไม่ตรงกับคำขอ (state)");
  const response = await fetch(`${AUTH}/token`, {method: "POST", body: new URLSearchParams({
    grant_type: "authorization_code", client_id: CLIENT_ID, code: answer.get("code"),
    redirect_uri: REDIRECT, code_verifier: pending.verifier})});
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new SignInError(body.error_description || `HTTP ${response.status}`);
  if (claims(body.id_token).nonce !== pending.nonce) throw new SignInError("คำตอบจากหน้าเข้าสู่ระบบไม่ตรงกับคำขอ (nonce)");
  keep(body);
  return pending.back;
}

let refreshing = null;

// New tokens from the refresh token: true if renewed, false if the user must sign in again.
export function refresh() {
  refreshing = refreshing || renew().finally(() => { refreshing = null; });
  return refreshing;
}

async function renew() {
  const tokens = held();
  if (!tokens) return false;
  const response = await fetch(`${AUTH}/token`, {method: "POST", body: new URLSearchParams({
    grant_type: "refresh_token", client_id: CLIENT_ID, refresh_token: tokens.refresh_token})});
  if (!response.ok) {
    forget();
    return false;
  }
  keep(await response.json());
  return true;
}

export function signOut() {
  const tokens = held();
  forget();
  const query = new URLSearchParams({client_id: CLIENT_ID, post_logout_redirect_uri: REDIRECT});
  if (tokens && tokens.id_token) query.set("id_token_hint", tokens.id_token);
  location.assign(`${AUTH}/logout?${query}`);
}
