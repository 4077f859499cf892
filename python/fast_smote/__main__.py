"""``python -m fast_smote``: the ``fast-smote`` command line."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
