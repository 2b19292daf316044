"""The pinned referential packages: which exact tarball, where its cached copy lives, and
how to obtain it once (``make referential``) with the ordinary npm client.

The build never reaches the network: it reads the cached tarball, checks it against the
integrity pinned in ``referentials.json`` (the same ``sha512-…`` string npm records), and
stops with a message saying how to get it when it is missing or altered. Fetching is a
separate step, run by ``make referential`` (and so by ``make build``/``serve``/``test``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from service.errors import BuildFailed

#: The committed pin, at the project root (beside ``data/``, not in it: a build of a copied
#: ``data/`` folder, as the tests and the benchmark make, includes no referential).
MANIFEST = "referentials.json"
HOW_TO_GET = "run `make referential` (it runs `npm pack` of the pinned version and checks it)"


class ReferentialUnavailable(BuildFailed):
    """The pinned package is not in the cache, or the cached file is not the pinned one."""


@dataclass(frozen=True)
class PackagePin:
    """One npm package pinned by name, exact version and integrity."""

    key: str  # the referential's short name, which also names its graph
    name: str
    version: str
    integrity: str
    licence: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def filename(self) -> str:
        """The file name ``npm pack`` gives the tarball (scope folded in, as npm does)."""
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}.tgz"


def read_pins(root: Path) -> list[PackagePin]:
    """Every pinned referential of the project (none when it has no manifest)."""
    path = root / MANIFEST
    if not path.is_file():
        return []
    entries: dict[str, dict[str, str]] = json.loads(path.read_text("utf-8"))
    return [
        PackagePin(key, e["name"], e["version"], e["integrity"], e["licence"])
        for key, e in sorted(entries.items())
    ]


def integrity_of(path: Path) -> str:
    """The Subresource-Integrity string of a file, as npm writes it (sha512, base64)."""
    digest = hashlib.sha512()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


@dataclass
class CachedPackage:
    """A verified tarball; its JSON files are read straight from the archive."""

    pin: PackagePin
    path: Path

    @cached_property
    def _members(self) -> dict[str, bytes]:
        """Every file of the archive, read in one pass (npm puts them under ``package/``)."""
        found: dict[str, bytes] = {}
        with tarfile.open(self.path, "r:gz") as archive:
            for info in archive:
                handle = archive.extractfile(info) if info.isfile() else None
                if handle is not None:
                    found[info.name.removeprefix("package/")] = handle.read()
        return found

    def json(self, member: str) -> Any:
        """One file of the package parsed as JSON (``data/communes.json``…)."""
        return json.loads(self._members[member])

    def text(self, member: str) -> str:
        return self._members[member].decode("utf-8")


def cached(pin: PackagePin, cache: Path) -> CachedPackage:
    """The verified cached tarball, or :class:`ReferentialUnavailable` saying what to do."""
    path = cache / pin.filename
    if not path.is_file():
        message = f"the referential {pin.spec} is not in {cache}: {HOW_TO_GET}"
        raise ReferentialUnavailable(message, [message])
    found = integrity_of(path)
    if found != pin.integrity:
        message = (
            f"{path} is not {pin.spec} as pinned in {MANIFEST} (integrity {found}, "
            f"expected {pin.integrity}): delete it and {HOW_TO_GET}"
        )
        raise ReferentialUnavailable(message, [message])
    return CachedPackage(pin, path)


def fetch(pin: PackagePin, cache: Path) -> Path:
    """``npm pack`` the pinned version into a temporary folder, verify it, then cache it.

    The tarball enters the cache only once its integrity matches the pin, in one rename.
    """
    target = cache / pin.filename
    if target.is_file() and integrity_of(target) == pin.integrity:
        return target
    npm = shutil.which("npm")
    if npm is None:
        message = f"npm is needed once to fetch {pin.spec} (Node.js's package client)"
        raise ReferentialUnavailable(message, [message])
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as folder:
        subprocess.run(
            [npm, "pack", pin.spec, "--silent"],
            cwd=folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        packed = Path(folder) / pin.filename
        found = integrity_of(packed)
        if found != pin.integrity:
            message = f"npm gave {pin.spec} with integrity {found}, pinned {pin.integrity}"
            raise ReferentialUnavailable(message, [message])
        packed.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    """``python -m service.graph.referential ROOT CACHE``: fetch every pin once."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path.cwd()
    cache = Path(args[1]) if len(args) > 1 else root / "var" / "referentials"
    try:
        for pin in read_pins(root):
            path = fetch(pin, cache)
            print(f"{pin.spec}: {path} ({pin.integrity[:19]}…, verified)")
    except (ReferentialUnavailable, subprocess.CalledProcessError) as exc:
        print(f"referential: {exc}", file=sys.stderr)
        return 1
    return 0
