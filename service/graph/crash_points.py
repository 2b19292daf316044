"""Named steps of a write where a test can make the server die as ``kill -9`` would.

The crash tests must kill the server at a known step of a write: killing it after a delay
guessed from timings hit other steps on a loaded machine, and the write it waited for did
not finish in time. So the write path calls :func:`reach` at each step that matters for
durability, and the process sends itself ``SIGKILL`` at the step a test named.

Only honoured when the environment sets ``ESSKG_TEST_CRASH_FILE`` (the tests set it on the
``esskg serve`` they start; nothing else does): the file it names holds the step to die at.
The file is removed before dying, so the restarted server (whose start-up may write through
the gate) is not killed again; a test arms the next step by writing the file anew. Unset, a
step costs one look-up in the environment.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

ENV = "ESSKG_TEST_CRASH_FILE"

#: The new contribution files are flushed under their temporary names; no commit note yet.
CONTRIBUTION_FILES = "contribution-files"
#: The write is decided in the files: the commit note listing the renames is durable and
#: the files still have their old names, or (one graph: no note) its file has its new name.
COMMIT_NOTE = "commit-note"
#: The contribution files are in place; the store has not committed the write.
CONTRIBUTIONS_RECORDED = "contributions-recorded"
#: The store has committed the write; the query engine's copy and the answer have not seen it.
STORE_COMMITTED = "store-committed"

STEPS = (CONTRIBUTION_FILES, COMMIT_NOTE, CONTRIBUTIONS_RECORDED, STORE_COMMITTED)


def reach(step: str) -> None:
    """Die here, at once and without cleaning up, if a test asked for ``step``."""
    armed = os.environ.get(ENV)
    if not armed:
        return
    trigger = Path(armed)
    try:
        named = trigger.read_text("utf-8").strip()
    except OSError:
        return
    if named == step:
        trigger.unlink(missing_ok=True)
        os.kill(os.getpid(), signal.SIGKILL)
