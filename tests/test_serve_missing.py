"""`serve` without the optional web extra: kept out of test_serve.py, whose module is skipped
when textual-serve is missing, the very case this checks."""

from __future__ import annotations

import sys

import pytest

from webitel_tui import cli


def test_serve_without_the_web_extra_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """textual-serve is optional: without it, one line naming the extra and exit 3 (an
    installation's problem), no traceback."""
    monkeypatch.setitem(sys.modules, "textual_serve", None)  # `import` then raises ImportError
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    code = cli.main(["serve", "--port", "0"])
    captured = capsys.readouterr()
    assert code == 3
    assert 'pip install "webitel-tui[web]"' in captured.err
    assert "Traceback" not in captured.err
