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


def test_every_public_function_has_a_docstring_and_types() -> None:
    import inspect

    import cordon
    import cordon.ema

    objects = [getattr(cordon, n) for n in cordon.__all__] + [getattr(cordon.ema, n) for n in cordon.ema.__all__]
    for obj in objects:
        assert obj.__doc__ and len(obj.__doc__.strip()) > 40, obj
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            assert sig.return_annotation is not inspect.Signature.empty, obj
            for p in sig.parameters.values():
                assert p.annotation is not inspect.Parameter.empty, (obj, p.name)
    assert (Path(cordon.__file__).parent / "py.typed").is_file()
    assert (Path(cordon.__file__).parent / "_native.pyi").is_file()
    # help(cordon.run) reads like `cordon run --help`: every argument explained
    doc = cordon.run.__doc__ or ""
    for name in inspect.signature(cordon.run).parameters:
        assert f"\n    {name}\n" in doc, name
