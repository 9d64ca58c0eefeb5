from __future__ import annotations

import pytest

from pipeline.learn.agreement import cohen_kappa


def test_cohen_kappa_known_values():
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    # 50 % observed agreement with balanced marginals: no better than chance.
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == 0.0
    assert cohen_kappa(["y", "y", "y", "n"], ["y", "y", "n", "n"]) == pytest.approx(0.5)
    assert cohen_kappa([], []) is None
