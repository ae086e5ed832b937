"""Signing in to a Keycloak (OpenID Connect) site over HTTP, as the site's own app does in a
browser: authorization code with PKCE (S256), the code returned in the URL fragment, an access
token sent as ``Authorization: Bearer`` and renewed with the refresh token before it expires.

oauthlib builds and reads the OAuth messages; httpx carries them. The realm's endpoints come from
its discovery document; the sign-in form is read as forms.yaml › login describes it (the form by
``ready``'s css, its fields by their ``input`` names). Nothing here is logged or kept on disk.
"""
from __future__ import annotations

import os
import secrets
import time
from unittest import mock  # patch.dict: os.environ changed for a block, then put back
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from oauthlib.oauth2 import WebApplicationClient

from ..config import ConfigError
from ..contract import LoginRefused, RemoteAnswered, RemoteError
from ..forms import html

RENEW_BEFORE = 30  # seconds before expiry an access token is renewed (a request may take that long),
# or a quarter of its life when it lives less than two minutes (else every call would renew it)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class KeycloakSignIn:
    """The tokens of one sign-in. ``base_url`` is the site, ``login`` forms.yaml › login."""

    def __init__(self, client: httpx.AsyncClient, login, credentials, base_url: str, site: str):
        if not login.client_id:
            raise ConfigError("forms.yaml › login.client_id: โหมด http ต้องรู้ client_id ของแอป (ดูได้จาก URL "
                              "ของหน้าเข้าสู่ระบบ: …/auth?client_id=…) — เพิ่มค่านี้แล้วรันคำสั่งเดิมอีกครั้ง")
        self.client, self.login, self.credentials, self.site = client, login, credentials, site
        self.base_url = base_url.rstrip("/")
        self.redirect_uri = urljoin(self.base_url + "/", login.redirect_uri or login.path)
        self.oauth = WebApplicationClient(login.client_id)
        self.endpoints: dict = {}
        self.token: dict = {}

    async def headers(self) -> dict[str, str]:
        """The bearer header, renewing the token first when it is about to expire."""
        margin = min(RENEW_BEFORE, self.token.get("expires_in", 0) / 4)
        if not self.token or time.time() > self.token.get("expires_at", 0) - margin:
            await self.renew()
        return {"Authorization": f"Bearer {self.token['access_token']}"}

    async def renew(self) -> None:
        """Refresh the tokens; a refresh the realm refuses (the sign-in session is over) signs in again."""
        if self.token.get("refresh_token"):
            body = self.oauth.prepare_refresh_body(refresh_token=self.token["refresh_token"],
                                                   client_id=self.login.client_id)
            answer = await self._token(body)
            if answer.status_code == 200:
                return self._keep(answer)
        await self.sign_in()

    async def sign_in(self) -> None:
        with _plain_http_allowed(self.base_url):
            await self._discover()
            verifier = self.oauth.create_code_verifier(64)
            state = secrets.token_urlsafe(16)
            url = self.oauth.prepare_request_uri(
                self.endpoints["authorization_endpoint"], redirect_uri=self.redirect_uri, scope=["openid"],
                state=state, nonce=secrets.token_urlsafe(16), response_mode="fragment",
                code_challenge=self.oauth.create_code_challenge(verifier, "S256"), code_challenge_method="S256")
            code = await self._code(url, state)
            body = self.oauth.prepare_request_body(code=code, redirect_uri=self.redirect_uri, code_verifier=verifier,
                                                   include_client_id=True)
            answer = await self._token(body)
        if answer.status_code != 200:
            raise RemoteError(f"แลกรหัสเข้าสู่ระบบเป็นโทเค็นไม่สำเร็จ (HTTP {answer.status_code}) — จะลองใหม่")
        self._keep(answer)

    async def _discover(self) -> None:
        if not self.endpoints:
            where = f"{self.base_url}{self.login.realm.rstrip('/')}/.well-known/openid-configuration"
            answer = await self.client.get(where)
            if answer.status_code != 200:
                raise RemoteAnswered(f"อ่านค่าการเข้าสู่ระบบของ {self.site} ไม่ได้ (HTTP {answer.status_code} ที่ {where})")
            self.endpoints = answer.json()

    async def _code(self, url: str, state: str) -> str:
        """Fill the realm's sign-in form and read the code from where it sends the browser back."""
        page = await self.client.get(url)
        form = html.form(page.text, self.login.ready)
        if page.status_code != 200 or form is None:
            raise RemoteAnswered(f"ไม่พบแบบฟอร์มเข้าสู่ระบบของ {self.site} (HTTP {page.status_code})")
        typed = {"username": self.credentials.username, "password": self.credentials.password.reveal()}
        fields = {field.input or key: typed.get(key, "") for key, field in self.login.fields.items()}
        answer = await self.client.post(urljoin(str(page.url), form.get("action") or ""), data={
            **html.hidden_of(form), **fields})
        back = urlsplit(answer.headers.get("location", ""))
        if answer.status_code == 200:  # the form again: Keycloak refuses with 200 and a message
            raise LoginRefused(f"เข้าสู่ระบบ {self.site} ไม่สำเร็จ: ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
        said = {k: v[0] for k, v in parse_qs(back.fragment or back.query).items()}
        if answer.status_code not in (302, 303) or said.get("state") != state or "code" not in said:
            raise RemoteError(f"เข้าสู่ระบบไม่สำเร็จ (HTTP {answer.status_code} {said.get('error', '')}) — จะลองใหม่")
        return said["code"]

    async def _token(self, body: str) -> httpx.Response:
        return await self.client.post(self.endpoints["token_endpoint"], content=body,
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})

    def _keep(self, answer: httpx.Response) -> None:
        with _plain_http_allowed(self.base_url):
            self.token = dict(self.oauth.parse_request_body_response(answer.text))


def _plain_http_allowed(base_url: str):
    """oauthlib refuses plain http (rightly); a stand-in on this machine is served without TLS."""
    local = urlsplit(base_url).hostname in LOOPBACK
    return mock.patch.dict(os.environ, {"OAUTHLIB_INSECURE_TRANSPORT": "1"} if local else {})
