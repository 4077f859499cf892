"""The README's first command: ``fast-smote demo`` for every method."""

import re

import pytest

import fast_smote
from fast_smote._cli import main


@pytest.mark.parametrize("method", sorted(fast_smote.METHODS))
@pytest.mark.filterwarnings("ignore:ADASYN generated:UserWarning")  # rounding, tested elsewhere
def test_demo_balances_the_classes(method, capsys):
    assert main(["demo", "--n-samples", "3000", "--n-features", "6", "--method", method]) == 0
    out = capsys.readouterr().out
    before = re.search(r"class counts before: \{0: (\d+), 1: (\d+)\}", out)
    after = re.search(r"class counts after:  \{0: (\d+), 1: (\d+)\}", out)
    assert before and after, out
    n_majority, n_minority = int(before[1]), int(before[2])
    assert int(after[1]) == n_majority
    made = int(re.search(r"generated (\d+) rows", out)[1])
    assert int(after[2]) == n_minority + made
    # Samplers that round per sample or cluster may miss the target by a few rows.
    assert abs(int(after[2]) - n_majority) <= 0.01 * n_majority
    assert re.search(rf"row {n_majority + n_minority} (=|is a copy of) X\[\d+\]", out), out
    # Then the diagnostics of the same resampling.
    assert re.search(rf"^new rows +0 +{made:,}$", out, flags=re.MULTILINE), out
    assert "in other-class territory" in out and re.search(r"diagnosed in [\d.]+ s", out)


def test_demo_rejects_an_unknown_method(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--method", "smoothie"])
    assert "invalid choice" in capsys.readouterr().err
