"""The newsroom's dashboard tells administrators about the HTTPS
certificate while it is self-signed or about to expire."""

from __future__ import annotations

import pytest
from tls_support import put_certificate

from appliance import tls


@pytest.fixture
def certificate(config):
    """Name a certificate in the config; the test client speaks plain HTTP,
    so this happens after the app was made (or every page would redirect)."""

    def use(days: float, ca: bool) -> None:
        put_certificate(config.data_dir, days, "localhost", ca=ca)
        config.values["tls.certificate"] = tls.SELF_SIGNED_CERTIFICATE
        config.values["tls.key"] = tls.SELF_SIGNED_KEY

    return use


async def notice(staff) -> str | None:
    html = await staff.text("/admin/")
    start = html.find('id="certificate-alarm"')
    return None if start < 0 else html[start:html.index("</section>", start)]


async def test_administrators_are_told_while_the_certificate_is_self_signed(
        admin, certificate):
    assert await notice(admin) is None  # plain HTTP: nothing to say
    certificate(300, ca=False)
    text = await notice(admin)
    assert text and "chứng chỉ tự ký" in text and "portal doctor" in text


@pytest.mark.parametrize("days, words", [(10, "hết hạn ngày"), (-2, "đã hết hạn ngày")])
async def test_and_before_it_expires(admin, certificate, days, words):
    certificate(days, ca=True)
    text = await notice(admin)
    assert text and words in text and "tự ký" not in text


async def test_a_good_certificate_is_not_mentioned(admin, certificate):
    certificate(80, ca=True)
    assert await notice(admin) is None


async def test_only_administrators_see_it(sign_in, add_staff, certificate):
    add_staff("editor-in-chief")
    chief = await sign_in("editorinchief")
    certificate(300, ca=False)
    assert await notice(chief) is None
