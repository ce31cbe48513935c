"""Forwarded headers are believed only from configured proxies."""

from __future__ import annotations

import pytest
from aiohttp import web

from appliance import config as config_mod
from appliance.app import create_app
from appliance.errors import UserError
from appliance.proxy import client_of, forwarded_headers, networks


async def whoami(request: web.Request) -> web.Response:
    return web.json_response({"remote": request.remote, "scheme": request.scheme})


@pytest.fixture
def echo(aiohttp_client):
    """A tiny app behind the middleware, answering who it thinks called."""

    async def make(setting):
        app = web.Application(middlewares=[forwarded_headers(lambda: setting)])
        app.router.add_get("/", whoami)
        client = await aiohttp_client(app)

        async def ask(**headers):
            response = await client.get("/", headers=headers)
            return await response.json()

        return ask

    return make


async def test_nobody_is_believed_by_default(echo):
    ask = await echo(False)
    seen = await ask(**{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"remote": "127.0.0.1", "scheme": "http"}


async def test_a_listed_proxy_is_believed(echo):
    ask = await echo(["127.0.0.1"])
    seen = await ask(**{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"remote": "203.0.113.9", "scheme": "https"}


async def test_a_proxy_not_listed_is_not_believed(echo):
    ask = await echo(["10.0.0.0/8", "::1"])  # the test client comes from 127.0.0.1
    seen = await ask(**{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"remote": "127.0.0.1", "scheme": "http"}


async def test_true_from_older_configs_means_a_proxy_on_this_server(echo):
    ask = await echo(True)
    seen = await ask(**{"X-Forwarded-For": "198.51.100.4"})
    assert seen["remote"] == "198.51.100.4"


async def test_addresses_a_client_wrote_itself_are_not_believed(echo):
    ask = await echo(["127.0.0.1"])
    # The client sent "1.1.1.1"; the proxy appended the address it saw.
    seen = await ask(**{"X-Forwarded-For": "1.1.1.1, 203.0.113.9"})
    assert seen["remote"] == "203.0.113.9"


def test_the_chain_is_walked_back_through_trusted_proxies_only():
    trusted = networks(["10.0.0.0/8", "127.0.0.1"])
    chain = ["6.6.6.6, 203.0.113.9, 10.1.1.1"]
    assert client_of("127.0.0.1", chain, trusted) == "203.0.113.9"
    assert client_of("192.0.2.1", chain, trusted) == "192.0.2.1"  # not via a proxy
    assert client_of("127.0.0.1", ["not-an-address"], trusted) == "127.0.0.1"
    assert client_of("127.0.0.1", ["[2001:db8::7]:443"], trusted) == "2001:db8::7"
    assert client_of("127.0.0.1", ["10.2.2.2"], trusted) == "10.2.2.2"  # all proxies


async def test_https_at_a_trusted_proxy_gets_hsts(aiohttp_client, config):
    config.values["server.trust_proxy"] = ["127.0.0.1"]
    client = await aiohttp_client(create_app(config))
    behind = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in behind.headers["Strict-Transport-Security"]
    plain = await client.get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers


@pytest.mark.parametrize("value, words", [
    ('["10.0.0.300"]', "server.trust_proxy"),
    ('"yes"', "server.trust_proxy"),
    ("[1, 2]", "server.trust_proxy"),
])
def test_a_bad_proxy_list_is_one_clear_message(tmp_path, value, words):
    config_mod.write_site_files(tmp_path)
    (tmp_path / config_mod.CONFIG_FILE).write_text(f"[server]\ntrust_proxy = {value}\n",
                                                   encoding="utf-8")
    with pytest.raises(UserError, match=words):
        config_mod.load(tmp_path)


def test_hosts_may_be_one_or_a_list(tmp_path):
    config_mod.write_site_files(tmp_path)
    (tmp_path / config_mod.CONFIG_FILE).write_text('[server]\nhost = ["0.0.0.0", "::"]\n',
                                                   encoding="utf-8")
    assert config_mod.load(tmp_path).hosts == ["0.0.0.0", "::"]


async def test_hsts_covers_subdomains_only_when_asked(aiohttp_client, config):
    config.values["server.trust_proxy"] = ["127.0.0.1"]
    config.values["tls.hsts_subdomains"] = True
    client = await aiohttp_client(create_app(config))
    behind = await client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert behind.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains")
