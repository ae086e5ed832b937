"""Signing in to a Keycloak (OpenID Connect) site with config alone (issue 17): the eMENSCR
stand-in's "spa" profile and forms version 2027.1-spa, in real Chromium.

The app at login.path sends the browser to the realm's sign-in page by script; the sign-in is
done when the app is back and drawn, refused by the realm's own words (HTTP 200 either way);
the working context gets the sign-in's whole storage state; doctor's login-page check waits for
the page the app redirects to."""
from __future__ import annotations

import asyncio
import shutil
import pytest
import yaml

from tidtam.core.config import TargetConfig, target_config
from tidtam.core.contract import LoginRefused, RemoteSettings
from tidtam.core.credentials import Credentials, Secret
from tidtam.core.plugins import load_plugins
from tidtam.core.push.browser import chromium, hand_over, login_page_findings, login_state, working_context
from tidtam.core.settings import PACKAGE_ROOT
from tidtam.sandbox.server import run_in_thread
from tidtam.sandbox.site import demo_credentials

pytestmark = pytest.mark.browser
VERSION = "2027.1-spa"


def spa_config(tmp_path, url: str):
    """A copy of config/ pinned to the spa forms, its base_url the stand-in's."""
    folder = tmp_path / "config"
    shutil.copytree(PACKAGE_ROOT / "config", folder)
    office = yaml.safe_load((folder / "office.yaml").read_text(encoding="utf-8"))
    office["targets"]["emenscr"] = {"version": VERSION}
    (folder / "office.yaml").write_text(yaml.safe_dump(office, allow_unicode=True), encoding="utf-8")
    mapping = folder / "targets/emenscr" / VERSION / "mapping.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("http://127.0.0.1:8701", url), encoding="utf-8")
    return target_config(load_plugins().target("emenscr"), directory=folder)


def credentials(password: str | None = None) -> Credentials:
    user, right = demo_credentials()
    return Credentials(user, Secret(password or right), "prompt")


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_keycloak_sign_in_hands_its_storage_state_to_a_working_context(tmp_path, language):
    with run_in_thread("emenscr", profile="spa", login_language=language) as spa:
        config = spa_config(tmp_path, spa.url.rstrip("/"))
        settings = RemoteSettings(config=config, run_dir=tmp_path)
        base = spa.url.rstrip("/")

        async def sign_in():
            async with chromium() as browser:
                with pytest.raises(LoginRefused, match="เข้าสู่ระบบ eMENSCR ไม่สำเร็จ: .*(ไม่ถูกต้อง|Invalid)"):
                    await login_state(browser, settings, credentials("not-the-password"), base, "eMENSCR")
                state = await login_state(browser, settings, credentials(), base, "eMENSCR")
                context = await working_context(browser, settings)
                await hand_over(context, state)
                page = await context.new_page()
                await page.goto(base + "/app/projects")
                await page.locator("main#app[data-ready=projects]").wait_for()
                url = page.url
                await context.close()
                return state, url

        state, url = asyncio.run(sign_in())
    assert any(c["name"].startswith("KEYCLOAK_SESSION") for c in state["cookies"])
    assert not config.forms.login.signed_out(url) and "/app/projects" in url  # no password asked again


def test_doctor_asks_the_sign_in_page_the_app_redirects_to(tmp_path):
    with run_in_thread("emenscr", profile="spa") as spa:
        config = spa_config(tmp_path, spa.url.rstrip("/"))
        login = config.forms.login
        forms = config.forms.model_copy(update={"login": login.model_copy(
            update={"ready": login.ready.model_copy(update={"css": "form#kc-form-signin"})})})
        moved = TargetConfig(config.target, config.version, config.mapping, forms, config.folder)

        async def ask():
            async with chromium() as browser:
                return (await login_page_findings(browser, config, 10.0),
                        await login_page_findings(browser, moved, 3.0))

        fine, broken = asyncio.run(ask())
    assert fine == []
    assert [f.key for f in broken] == ["login.ready"] and "form#kc-form-signin" in broken[0].message


def test_signed_out_is_the_realm_for_keycloak_and_the_form_for_a_form_login(tmp_path):
    spa = spa_config(tmp_path, "http://127.0.0.1:1").forms.login
    classic = target_config(load_plugins().target("emenscr")).forms.login
    assert spa.signed_out("http://h/auth/realms/master/protocol/openid-connect/auth?x=1")
    assert not spa.signed_out("http://h/app/")  # the app's own entry is not a sign-in page
    assert classic.signed_out("http://h" + classic.path + "?next=/projects")
    assert not classic.signed_out("http://h/projects")
