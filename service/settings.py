"""Runtime configuration, read from ``ESSKG_*`` environment variables.

A single cached getter keeps every part of the service looking at the same values, while
tests build their own :class:`Settings` and hand it to ``create_app`` explicitly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.namespaces import BASE


class Settings(BaseSettings):
    """Every knob of the service; defaults suit a newcomer's laptop."""

    model_config = SettingsConfigDict(env_prefix="ESSKG_", env_file=None, extra="ignore")

    root: Path = Field(
        default_factory=Path.cwd,
        description="Project folder holding ontology/, shapes/ and data/.",
    )
    store_path: Path = Field(
        default=Path("var/store"),
        description="Where the embedded store lives on disk (a link to the current build).",
    )
    store_backend: Literal["oxigraph", "remote"] = "oxigraph"
    in_memory: bool = Field(
        default=True,
        description=(
            "Answer queries from an in-memory copy (held by the query engine process, or by "
            "the server itself when query_workers is 0); the disk store keeps durability."
        ),
    )
    remote_query_url: str | None = None
    remote_update_url: str | None = None
    remote_gsp_url: str | None = None
    remote_default_graph: str | None = Field(
        default=None,
        description="IRI standing for the default graph on engines that have none (Virtuoso).",
    )
    remote_list_dataset: bool = Field(
        default=False,
        description="Name the dataset in every query, for engines whose union adds system graphs.",
    )
    remote_system_graph_prefixes: list[str] = Field(
        default_factory=list, description="Graphs of the engine's own, left out of the dataset."
    )

    host: str = "127.0.0.1"
    port: int = 8000
    public_base: str = Field(default=BASE, description="Public base IRI of the graph.")

    write_token: SecretStr | None = Field(
        default=None, description="Bearer token for writes; when unset, writes are disabled."
    )
    query_timeout: float = Field(default=30.0, gt=0, description="Seconds before a query stops.")
    result_limit: int = Field(default=100_000, gt=0, description="Most rows one answer holds.")
    allowed_service_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts SPARQL SERVICE / FROM / LOAD may reach; empty means none.",
    )
    network_guard: bool = Field(
        default=True,
        description="esskg serve: let the kernel refuse every outbound connection but to the "
        "allowed hosts (and a remote engine). Linux only; false runs without it.",
    )
    contributions_path: Path = Field(
        default=Path("data/contributions"),
        description="Where each graph written over HTTP is kept as a file every build reads.",
    )
    partner_keys_path: Path = Field(
        default=Path("var/partner-keys.json"),
        description="The partners' write keys, hashed (`esskg partner add|token|revoke`).",
    )
    auth_failures: int = Field(
        default=10, ge=1, description="Failed key attempts one client may make per minute."
    )
    keep_builds: int = Field(default=2, ge=1, description="Previous builds kept on disk.")
    referentials: bool = Field(
        default=True,
        description="Import the official referentials pinned in referentials.json (the COG).",
    )
    referential_cache: Path = Field(
        default=Path("var/referentials"),
        description="Where `make referential` caches the pinned packages, checked each build.",
    )
    reasoner: Literal["rules", "owlrl"] = Field(
        default="rules",
        description="rules: owlrl on the schema, set rules on the instances (scales); "
        "owlrl: the reference implementation, for audits.",
    )
    validator: Literal["sparql", "pyshacl"] = Field(
        default="sparql",
        description="sparql: shapes compiled to engine queries (scales); pyshacl: the oracle.",
    )
    result_cache_bytes: int = Field(
        default=64_000_000,
        ge=0,
        description="Memory for answers kept until the data changes (0: no cache).",
    )
    query_workers: int = Field(
        default=6,
        ge=0,
        description=(
            "Queries the query engine process answers at once (one thread each); the process "
            "is killed when a query passes the time limit. 0: no engine process, queries run "
            "in the server's threads with no hard stop."
        ),
    )
    client_queries: int = Field(
        default=2,
        ge=1,
        description="Queries one client address may have running at once; more wait, then 429.",
    )
    query_memory_mb: int = Field(
        default=1536,
        ge=0,
        description="Memory the query engine may use beyond the loaded data (0: no ceiling); "
        "a query past it stops the engine and is refused when sent again.",
    )
    load_wait: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a query may wait for the query engine to load the data (after "
        "another query stopped it, or at start-up) before 503 with Retry-After; then it gets "
        "its whole time limit. Above a reload's time (about 17 s at a million triples).",
    )
    runaway_cooldown: float = Field(
        default=30.0,
        ge=0,
        description="Seconds a client whose query stopped the query engine (time limit, "
        "memory, crash) gets 429 for its next queries; doubled at each repeat, up to ten "
        "minutes (0: no cooldown).",
    )
    max_body_bytes: int = Field(default=10_000_000, gt=0, description="Largest request body.")
    max_nesting: int = Field(
        default=128,
        gt=0,
        description=(
            "Deepest nesting of brackets a client's query, update or RDF may use (in RDF: "
            "brackets in Turtle, TriG and N-Triples, JSON-LD objects and arrays, XML elements)."
        ),
    )
    max_url_bytes: int = Field(default=16_384, gt=0, description="Longest request query string.")
    parse_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds the process parsing one request's RDF may run before it is killed.",
    )
    client_parses: int = Field(
        default=1,
        ge=1,
        description="RDF payloads one client address may have parsed at once (of one parser "
        "per CPU, four at most); more wait for their own, then 429.",
    )
    parse_memory_bytes: int = Field(
        default=512_000_000,
        gt=0,
        description="Memory the process parsing one request's RDF may take beyond the server's.",
    )
    infer_on_write: bool = Field(
        default=True, description="Refresh the inferred graph after every committed write."
    )
    prepare_writes: bool = Field(
        default=False,
        description=(
            "Each query engine compiles the write and dry-run checks and looks over the data"
            " as it loads, before it takes queries, rather than in the first write or"
            " /validate, whose time limit would pay for it (seconds at a million triples)."
            " `esskg serve` turns it on; an app made for a test pays it only if it writes."
        ),
    )

    def resolve(self, path: Path) -> Path:
        """Relative paths in settings are relative to the project root, not the caller's cwd."""
        return path if path.is_absolute() else self.root / path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
