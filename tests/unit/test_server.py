"""Which hosts count as loopback: anything else needs a token before assay listens on it."""

from __future__ import annotations

import pytest

from assay.errors import InputError
from assay.server import HttpService, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("", False), ("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("example.invalid", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_all_interfaces_without_a_token_is_refused_before_binding() -> None:
    with pytest.raises(InputError, match="without a token"):
        HttpService(host="", port=0).start()
