"""The README's notebook example runs as written (with fewer trials)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("doc", ["README.md", "docs/python.md"])
def test_the_notebook_example_runs(doc: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    text = (REPO / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    code = next(b for b in blocks if "plt.show()" in b and "cordon.run" in b)
    code = code.replace("trials=2000", "trials=200").replace("plt.show()", "plt.close('all')")
    exec(compile(code, doc, "exec"), {})
    out = capsys.readouterr().out
    assert re.match(r"mean [+-]\d+\.\d{3} attacks per trial, fewer in \d+% of trials", out), out
