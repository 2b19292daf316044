"""The write key (``service.api.auth``): how it is presented, who it names, where Basic is
refused."""

from __future__ import annotations

import base64

import pytest
from fastapi import Request
from pydantic import SecretStr

from service.api.auth import AdminKey, Credentials, Keyrings, presented, require_writer
from service.errors import Forbidden, Unauthorized, WritesDisabled
from service.settings import Settings

KEY = "the-key"


def basic(user: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def request(headers: dict[str, str]) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/sparql",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "headers": [
            (k.lower().encode(), v.encode())
            for k, v in {"host": "127.0.0.1:8000", **headers}.items()
        ],
    }
    return Request(scope)


def settings(key: str | None = KEY) -> Settings:
    return Settings(write_token=SecretStr(key) if key is not None else None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"Bearer {KEY}", Credentials("bearer", KEY)),
        (f"bearer   {KEY} ", Credentials("bearer", KEY)),
        (basic("admin", KEY), Credentials("basic", KEY, "admin")),
        (basic("anyone", "a:b"), Credentials("basic", "a:b", "anyone")),  # ':' in the key
        (basic("", KEY), Credentials("basic", KEY, "")),
    ],
)
def test_credentials_are_read_from_bearer_and_basic(header: str, expected: Credentials) -> None:
    assert presented(header) == expected


@pytest.mark.parametrize(
    "header", ["Bearer", "Basic", "Basic !!!", basic("admin", ""), "Digest x", "Token abc"]
)
def test_anything_else_is_unauthorized(header: str) -> None:
    with pytest.raises(Unauthorized):
        presented(header)


def test_the_administrators_key_goes_with_any_user_name() -> None:
    for header in (f"Bearer {KEY}", basic("admin", KEY), basic("jena", KEY)):
        assert require_writer(request({"authorization": header}), settings()).name == (
            "administrator"
        )


def test_a_wrong_key_is_forbidden_no_key_unauthorized_no_configured_key_disabled() -> None:
    with pytest.raises(Forbidden):
        require_writer(request({"authorization": basic("admin", "nope")}), settings())
    with pytest.raises(Unauthorized):
        require_writer(request({}), settings())
    with pytest.raises(WritesDisabled):
        require_writer(request({"authorization": f"Bearer {KEY}"}), settings(None))


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "http://127.0.0.1:8000"},
    ],
)
def test_basic_from_another_sites_page_is_refused(headers: dict[str, str]) -> None:
    """A browser that once prompted for Basic sends it with any cross-site form."""
    with pytest.raises(Forbidden):
        require_writer(request({"authorization": basic("admin", KEY), **headers}), settings())
    bearer = request({"authorization": f"Bearer {KEY}", **headers})
    assert require_writer(bearer, settings()).name == "administrator"


def test_basic_from_this_sites_own_page_is_taken() -> None:
    for headers in ({"origin": "http://127.0.0.1:8000"}, {"sec-fetch-site": "same-origin"}):
        own = request({"authorization": basic("admin", KEY), **headers})
        assert require_writer(own, settings()).name == "administrator"


def test_every_keyring_is_asked_and_the_first_writer_found_wins() -> None:
    asked: list[str] = []

    class Recording:
        def __init__(self, name: str, key: bytes) -> None:
            self.name, self.key = name, AdminKey(key)

        def identify(self, credentials: Credentials):  # type: ignore[no-untyped-def]
            asked.append(self.name)
            return self.key.identify(credentials)

    rings = Keyrings([Recording("first", b"k1"), Recording("second", b"k2")])
    assert rings.identify(Credentials("bearer", "k1")) is not None
    assert asked == ["first", "second"]  # no early exit: timing says nothing
