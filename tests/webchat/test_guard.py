"""The web chat answers this machine only: loopback clients, loopback Host, same-origin JSON."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

import adapters.webchat as webchat
from adapters.webchat._guard import check_request, is_loopback


class _Transport:
    """Just enough of a transport for aiohttp to read the peer's address."""

    def __init__(self, peer: str) -> None:
        self.peer = peer

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.peer, 50000) if name == "peername" else default


def request(method: str = "GET", *, peer: str = "127.0.0.1", **headers: str) -> Any:
    headers.setdefault("Host", "127.0.0.1:3978")
    return make_mocked_request(
        method, "/webchat/api/session", headers=headers, transport=_Transport(peer)
    )


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "[::1]", "localhost"])
def test_loopback_names(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.5", "192.168.1.2", "evil.example", "", None])
def test_other_names(host: str | None) -> None:
    assert not is_loopback(host)


def test_a_client_on_the_network_is_refused() -> None:
    assert check_request(request(peer="192.168.1.20")) is not None
    assert check_request(request()) is None


def test_a_foreign_host_header_is_refused_even_from_loopback() -> None:
    assert check_request(request(Host="attacker.example:3978")) is not None
    assert check_request(request(Host="localhost:3978")) is None


def test_posts_must_be_same_origin_json() -> None:
    json = {"Content-Type": "application/json"}
    assert check_request(request("POST", **json)) is None
    assert check_request(request("POST", **json, Origin="http://127.0.0.1:3978")) is None
    assert check_request(request("POST", **json, Origin="http://evil.example")) is not None
    assert check_request(request("POST", **json, **{"Sec-Fetch-Site": "cross-site"})) is not None
    assert check_request(request("POST", **{"Content-Type": "text/plain"})) is not None


def test_the_package_exports_a_curated_list() -> None:
    exported = webchat.__all__
    assert sorted(exported) == sorted(set(exported))
    public = {
        name
        for name, value in vars(webchat).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert public - {"annotations"} <= set(exported)
    assert all(hasattr(webchat, name) for name in exported)


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.7"},
        {"Forwarded": "for=203.0.113.7;proto=https"},
        {"X-Real-IP": "203.0.113.7"},
        {"Via": "1.1 nginx"},
        {"X-Forwarded-Host": "chat.example"},
    ],
)
def test_a_request_a_proxy_relayed_is_refused_though_it_looks_local(
    header: dict[str, str],
) -> None:
    """A reverse proxy on the same host (nginx rewrites Host to 127.0.0.1) relays strangers."""
    assert check_request(request(**header)) is not None
    assert check_request(request("POST", **{"Content-Type": "application/json"}, **header))


@pytest.mark.parametrize(
    ("host", "acknowledged", "served"),
    [
        ("127.0.0.1", True, True),
        ("127.0.0.1", False, False),
        ("0.0.0.0", True, False),
        ("192.168.1.2", True, False),
        ("localhost", True, True),
    ],
)
def test_atbot_run_serves_the_web_chat_only_on_loopback_and_acknowledged(
    tmp_path: Any, host: str, acknowledged: bool, served: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.server import webchat_allowed
    from bot.settings import Settings

    settings = Settings(  # type: ignore[arg-type]
        data_dir=tmp_path,
        server={"host": host},
        webchat={"enabled": True, "acknowledge_no_login": acknowledged},
        alerts={"enabled": False},
    )
    assert webchat_allowed(settings) is served
    if not served:
        assert "the web chat is off" in caplog.text
