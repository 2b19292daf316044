"""Partners' write keys: one per partner, shown once, kept only as a hash.

``esskg partner add P`` registers a partner, ``esskg partner token P`` issues its key (a
random 256-bit token, printed once; a new one replaces the old), ``esskg partner revoke P``
withdraws it. The file (``ESSKG_PARTNER_KEYS``, default ``var/partner-keys.json``) holds
SHA-256 digests only: a token has 256 bits of entropy, so a slow password hash would add
nothing but latency. A key is compared with every partner's digest, in constant time,
every time, so neither the key nor whose it is can be told from timing.

As a :class:`~service.api.auth.Keyring`, it answers with a writer whose only graph is the
partner's own (``graph/partner/<P>``). Over HTTP Basic the user must be the partner's name.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.api.auth import Credentials, Writer
from service.errors import EsskgError
from service.namespaces import partner_graph

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
#: Compared against when a partner has no key, so that every check costs the same.
_NO_KEY = "0" * 64


class PartnerError(EsskgError):
    """A partner command that cannot be done (bad name, unknown partner…)."""


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise PartnerError(
            f"{name!r} is not a partner name: lower-case letters, digits and hyphens "
            "(2 to 63 characters), as it appears in graph/partner/<name>"
        )
    return name


@dataclass
class PartnerKeys:
    """The partners and their hashed keys, in one JSON file."""

    path: Path

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.is_file():
            return {}
        data: dict[str, dict[str, str]] = json.loads(self.path.read_text("utf-8"))
        return data

    def _write(self, partners: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(partners, indent=2, sort_keys=True), "utf-8")
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def names(self) -> list[str]:
        return sorted(self._read())

    def add(self, name: str) -> None:
        partners = self._read()
        if check_name(name) in partners:
            raise PartnerError(f"the partner {name!r} exists already")
        partners[name] = {"added": datetime.now(UTC).isoformat(timespec="seconds")}
        self._write(partners)

    def issue(self, name: str) -> str:
        """A new key for the partner, returned once; only its digest is kept."""
        partners = self._read()
        if name not in partners:
            raise PartnerError(f"no partner {name!r}: run `esskg partner add {name}` first")
        key = secrets.token_urlsafe(32)
        partners[name]["sha256"] = digest(key)
        partners[name]["issued"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._write(partners)
        return key

    def revoke(self, name: str) -> None:
        partners = self._read()
        if name not in partners:
            raise PartnerError(f"no partner {name!r}")
        partners[name].pop("sha256", None)
        partners[name]["revoked"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._write(partners)

    def has_keys(self) -> bool:
        return any("sha256" in entry for entry in self._read().values())

    def identify(self, credentials: Credentials) -> Writer | None:
        presented = digest(credentials.secret).encode("ascii")
        found = None
        for name, entry in sorted(self._read().items()):
            expected = entry.get("sha256", _NO_KEY).encode("ascii")
            same = hmac.compare_digest(presented, expected) and "sha256" in entry
            user_ok = credentials.scheme != "basic" or credentials.user == name
            if same and user_ok and found is None:
                found = Writer(name, (partner_graph(name),))
        return found
