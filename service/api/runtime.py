"""What the app holds while it runs: store, query executor, write gate and data version.

Created in the app's lifespan and reached by routers through the request, so tests can
build an app around any store and the parts are swapped together.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from service.api.caching import DataVersion
from service.graph.gate import WriteGate
from service.settings import Settings
from service.sparql.execution import Executor
from service.store.base import Store


@dataclass
class AppState:
    settings: Settings
    store: Store
    executor: Executor
    gate: WriteGate
    version: DataVersion

    def close(self) -> None:
        self.executor.close()


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.runtime
    return state
