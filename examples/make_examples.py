"""Make the sample files the README's command-line examples read (run from the
repository root: ``python examples/make_examples.py``; the files are committed).

- ``data.csv``: 600 transactions, three numeric columns and ``label`` ("ok" or "fraud",
  about 8 % fraud); ``data.parquet`` holds the same rows (written only when polars or
  pyarrow is installed).
- ``customers.csv``: 500 customers: an identifier (``customer_id``), two numeric and
  two categorical columns (``plan``, ``region``) and ``churned`` ("yes" about 12 %,
  else "no").
- ``claims.csv``: 800 insurance claims, three numeric columns and ``claim_amount``, a
  heavy-tailed amount whose large values are rare (for SMOTER and SMOGN).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def transactions(rng: np.random.Generator, n: int = 600) -> dict[str, list]:
    fraud = rng.random(n) < 0.08
    amount = np.round(rng.gamma(2.0, 40.0, n) * np.where(fraud, 2.5, 1.0), 2)
    items = rng.poisson(np.where(fraud, 6, 3)) + 1
    score = np.round(rng.normal(np.where(fraud, 0.8, 0.0), 1.0), 3)
    return {
        "amount": amount.tolist(),
        "items": items.tolist(),
        "score": score.tolist(),
        "label": np.where(fraud, "fraud", "ok").tolist(),
    }


def customers(rng: np.random.Generator, n: int = 500) -> dict[str, list]:
    churned = rng.random(n) < 0.12
    tenure = np.maximum(1, np.round(rng.normal(np.where(churned, 8, 30), 6))).astype(int)
    spend = np.round(rng.gamma(3.0, np.where(churned, 12.0, 20.0)), 2)
    plan = np.where(rng.random(n) < np.where(churned, 0.6, 0.3), "basic", rng.choice(["plus", "pro"], n))
    return {
        "customer_id": [f"C{i:05d}" for i in range(1, n + 1)],
        "tenure_months": tenure.tolist(),
        "monthly_spend": spend.tolist(),
        "plan": plan.tolist(),
        "region": rng.choice(["north", "south", "east", "west"], n).tolist(),
        "churned": np.where(churned, "yes", "no").tolist(),
    }


def claims(rng: np.random.Generator, n: int = 800) -> dict[str, list]:
    driver_age = rng.integers(18, 80, n)
    vehicle_value = np.round(rng.gamma(4.0, 6000.0, n), 0)
    annual_km = np.round(rng.gamma(3.0, 5000.0, n), 0)
    risk = 0.02 * np.abs(driver_age - 45) + vehicle_value / 40000 + annual_km / 30000
    amount = np.round(np.exp(6.0 + 0.8 * risk + 0.7 * rng.normal(size=n)), 2)
    return {
        "driver_age": driver_age.tolist(),
        "vehicle_value": vehicle_value.tolist(),
        "annual_km": annual_km.tolist(),
        "claim_amount": amount.tolist(),
    }


def write_csv(path: Path, columns: dict[str, list]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        writer.writerows(zip(*columns.values()))


def main() -> None:
    rng = np.random.default_rng(2026)
    data = transactions(rng)
    write_csv(HERE / "data.csv", data)
    write_csv(HERE / "customers.csv", customers(rng))
    write_csv(HERE / "claims.csv", claims(np.random.default_rng(2027)))
    try:
        import polars as pl
    except ImportError:
        return
    pl.DataFrame(data).write_parquet(HERE / "data.parquet")


if __name__ == "__main__":
    main()
