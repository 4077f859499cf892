"""What the installed distribution says about itself."""

from importlib.metadata import version

import fast_smote


def test_version_is_the_distributions():
    # Cargo.toml is the one source: maturin writes it into the distribution's metadata,
    # and the compiled core reports it as fast_smote.__version__.
    assert fast_smote.__version__ == version("fast-smote")
