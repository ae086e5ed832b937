// The JSON API under /api/v1 with the bearer token. A 401 gets one refresh and one retry: the
// API refuses before it reads a body, so the retry cannot double a save. When the refresh fails
// too, the user signs in again.
import {accessToken, refresh, signIn} from "./auth.js";

export async function api(method, path, body) {
  let response = await send(method, path, body);
  if (response.status === 401) {
    if (await refresh()) response = await send(method, path, body);
    if (response.status === 401) return signIn();
  }
  const data = await response.json().catch(() => ({}));
  return {ok: response.ok, status: response.status, data};
}

function send(method, path, body) {
  const headers = {Accept: "application/json"};
  const token = accessToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = {method, headers};
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch(path, init);
}

// main#app[data-status] after an answer: what a client reads instead of guessing from the text.
export function statusWord(status) {
  if (status === 404) return "not_found";
  if (status === 409) return "refused";
  if (status === 422) return "invalid";
  return status >= 200 && status < 300 ? "ready" : "error";
}
