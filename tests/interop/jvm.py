"""Apache Jena from Debian's ``libapache-jena-java`` (``make engines`` installs it as root).

Debian ships the jars, no launcher scripts. Its ``jena-core.jar`` keeps the shaded xerces
classes under ``xerces.*`` and their message resources under ``org/apache/jena/ext/xerces/``,
so every command dies in ``XSSimpleTypeDecl`` until those resources are also found under
``xerces/``: they are copied into a directory put first on the classpath.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

JARS = Path("/usr/share/java")
JENA = [
    "arq",
    "base",
    "cmds",
    "core",
    "dboe-base",
    "dboe-index",
    "dboe-storage",
    "dboe-trans-data",
    "dboe-transaction",
    "iri",
    "rdfconnection",
    "shacl",
    "shex",
    "tdb",
    "tdb2",
]
DEPENDENCIES = [
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpcore",
    "jackson-core",
    "jackson-databind",
    "jackson-annotations",
    "jsonld-java",
    "jakarta.json-api",
    "protobuf",
    "slf4j-api",
    "slf4j-simple",
    "thrift",
    "titanium-json-ld",
]
_SHADED = "org/apache/jena/ext/xerces/"


def missing() -> str | None:
    """Why Jena cannot run here, or None."""
    if shutil.which("java") is None:
        return "no java here (make engines installs default-jre-headless as root)"
    if not (JARS / "jena-cmds.jar").is_file():
        return "Apache Jena is not installed (make engines installs libapache-jena-java as root)"
    return None


def classpath(fix_dir: Path) -> str:
    """Jena's jars and their dependencies, after the xerces resources' fix."""
    with zipfile.ZipFile(JARS / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(_SHADED) and not name.endswith("/"):
                target = fix_dir / "xerces" / name.removeprefix(_SHADED)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    jars = [JARS / f"jena-{name}.jar" for name in JENA] + [JARS / f"{d}.jar" for d in DEPENDENCIES]
    return ":".join([str(fix_dir), *(str(j) for j in jars if j.is_file())])


def java(cp: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run a Jena command class (or a single-file Java program) and return what it printed."""
    return subprocess.run(
        ["java", "-cp", cp, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
