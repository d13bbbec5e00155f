"""Session plumbing: the kill matrix (tests/conformance/test_kill_matrix.py) runs alongside the rest.

Its several hundred suite runs mostly wait on emulated timers, while most other tests leave a core
idle: the matrix's runner (a subprocess; see tests/conformance/_suite_zygote.py) starts with the
first test of a session that selected it, and the tests reading its results run last.  The test
process keeps no thread for it, and ends it (with every run) when the session ends.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

MATRIX_FIXTURE = "matrix"
MATRIX_MODULE = "test_kill_matrix.py"


def _needs_matrix(item: pytest.Item) -> bool:
    return item.path.name == MATRIX_MODULE and MATRIX_FIXTURE in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The tests that wait for the matrix go last (in their order), so the others run meanwhile."""
    waiting = [item for item in items if _needs_matrix(item)]
    if waiting:
        items[:] = [item for item in items if not _needs_matrix(item)] + waiting


@pytest.fixture(scope="session", autouse=True)
def _kill_matrix_in_background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    if request.config.option.collectonly or not any(_needs_matrix(i) for i in request.session.items):
        yield
        return
    from tests.conformance.test_kill_matrix import BACKGROUND, MatrixRun

    run = MatrixRun(tmp_path_factory.mktemp("kill-matrix"))
    request.config.stash[BACKGROUND] = run
    try:
        yield
    finally:
        run.close()
