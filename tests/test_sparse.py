"""Sparse X: every sampler that takes it (as imbalanced-learn's do) returns the caller's
format and class, and the same rows as for the dense X; the others refuse it clearly."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import scipy.sparse as sp
from imblearn import combine as imb_combine
from imblearn import over_sampling as imb_over
from imblearn import under_sampling as imb_under
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import get_tags

import fast_smote
from fast_smote import _core

#: Every sampler that takes sparse X, by a readable id.
SAMPLERS = {
    "SMOTE": lambda **kw: fast_smote.SMOTE(random_state=3, **kw),
    "BorderlineSMOTE-1": lambda **kw: fast_smote.BorderlineSMOTE(random_state=3, **kw),
    "BorderlineSMOTE-2": lambda **kw: fast_smote.BorderlineSMOTE(kind="borderline-2", random_state=3, **kw),
    "SVMSMOTE": lambda **kw: fast_smote.SVMSMOTE(random_state=3, **kw),
    "ADASYN": lambda **kw: fast_smote.ADASYN(random_state=3, **kw),
    "RandomOverSampler": lambda **kw: fast_smote.RandomOverSampler(random_state=3, **kw),
    # These four resample the densified rows (their methods read every feature of a row).
    "RandomOverSampler-shrinkage": lambda **kw: fast_smote.RandomOverSampler(
        shrinkage=0.5, random_state=3, **kw
    ),
    "KMeansSMOTE": lambda **kw: fast_smote.KMeansSMOTE(
        kmeans_estimator=3, cluster_balance_threshold=0.05, random_state=3, **kw
    ),
    "SMOTENC": lambda **kw: fast_smote.SMOTENC(categorical_features=[0, 5], random_state=3, **kw),
    "SMOTEN": lambda **kw: fast_smote.SMOTEN(random_state=3, **kw),
    "SMOTETomek": lambda **kw: fast_smote.SMOTETomek(random_state=3, **kw),
    "SMOTEENN": lambda **kw: fast_smote.SMOTEENN(random_state=3, **kw),
    "TomekLinks": lambda **kw: fast_smote.TomekLinks(**kw),
    "EditedNearestNeighbours": lambda **kw: fast_smote.EditedNearestNeighbours(**kw),
}
CLEANERS = ("TomekLinks", "EditedNearestNeighbours")
FORMATS = {
    "csr_matrix": sp.csr_matrix,
    "csc_matrix": sp.csc_matrix,
    "csr_array": sp.csr_array,
    "csc_array": sp.csc_array,
}

# SVMSMOTE and ADASYN make fewer or more rows than asked on these data, and say so.
pytestmark = pytest.mark.filterwarnings(r"ignore:\w+ generated \d+ samples for class:UserWarning")


def dense_data(
    n: int = 400, d: int = 30, seed: int = 0, dtype: type = np.float64, empty_rows: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping classes (15 % minority) with about 70 % of the entries zero and,
    unless told otherwise, a few empty rows: border samples for the border-based
    samplers, links for the cleaners."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.15).astype(np.int64)
    X = rng.normal(size=(n, d)) + 0.8 * y[:, None]
    X[rng.random((n, d)) < 0.7] = 0.0
    if empty_rows:
        X[::37] = 0.0
    return X.astype(dtype), y


def densified_bytes(X: object) -> bytes:
    return np.ascontiguousarray(X.toarray()).tobytes()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", SAMPLERS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_callers_format_and_class_come_back(name: str, fmt: str) -> None:
    X, y = dense_data()
    X_res, y_res = SAMPLERS[name]().fit_resample(FORMATS[fmt](X), y)
    assert type(X_res) is FORMATS[fmt]
    assert X_res.shape == (len(y_res), X.shape[1])
    assert X_res.dtype == np.float64


@pytest.mark.parametrize("name", SAMPLERS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_are_the_dense_samplers_rows(name: str, dtype: type) -> None:
    # No empty rows in float32: the dense float32 search ranks exact twins by its GEMM
    # tiles' rounding, not always lowest row first as the sparse search does.
    X, y = dense_data(dtype=dtype, empty_rows=dtype == np.float64)
    dense, sparse = SAMPLERS[name](), SAMPLERS[name]()
    X_dense, y_dense = dense.fit_resample(X, y)
    X_sparse, y_sparse = sparse.fit_resample(sp.csr_matrix(X), y)
    assert X_sparse.dtype == X_dense.dtype == dtype
    assert densified_bytes(X_sparse) == X_dense.tobytes()
    np.testing.assert_array_equal(y_sparse, y_dense)
    for fitted in ("provenance_", "smote_"):
        if hasattr(dense, fitted):
            d, s = getattr(dense, fitted), getattr(sparse, fitted)
            d, s = getattr(d, "provenance_", d), getattr(s, "provenance_", s)
            for field in ("base_index", "neighbor_index", "step"):
                np.testing.assert_array_equal(getattr(s, field), getattr(d, field))
    if hasattr(dense, "sample_indices_"):
        np.testing.assert_array_equal(sparse.sample_indices_, dense.sample_indices_)


@pytest.mark.parametrize("name", SAMPLERS)
def test_any_number_of_threads_gives_the_same_matrix(name: str) -> None:
    X = sp.csr_matrix(dense_data(n=2500, seed=1)[0])
    y = dense_data(n=2500, seed=1)[1]
    one = SAMPLERS[name](n_jobs=1).fit_resample(X, y)[0]
    for n_jobs in (2, 3):
        other = SAMPLERS[name](n_jobs=n_jobs).fit_resample(X, y)[0]
        for part in ("data", "indices", "indptr"):
            np.testing.assert_array_equal(getattr(other, part), getattr(one, part))


def test_the_synthetic_rows_store_only_non_zeros_and_keep_the_originals() -> None:
    X, y = dense_data()
    sampler = fast_smote.SMOTE(random_state=0)
    X_res, _ = sampler.fit_resample(sp.csr_matrix(X), y)
    assert X_res.has_canonical_format
    assert X_res.indices.dtype == X_res.indptr.dtype == np.int32
    np.testing.assert_array_equal(X_res[: len(X)].toarray(), X)
    assert np.all(X_res[len(X) :].data != 0)
    # Each new row is on its segment, as provenance_ says.
    p = sampler.provenance_
    want = X[p.base_index] + p.step[:, None] * (X[p.neighbor_index] - X[p.base_index])
    np.testing.assert_array_equal(X_res[len(X) :].toarray(), want)


def test_the_callers_matrix_is_never_modified() -> None:
    X, y = dense_data()
    X = (X * 10).astype(np.int64)
    csr = sp.csr_matrix(X)
    # Unsorted column indices and a duplicate entry: not canonical, so they get fixed in a copy.
    row = csr.indptr[1]
    csr.indices[[row, row + 1]] = csr.indices[[row + 1, row]]
    csr.data[[row, row + 1]] = csr.data[[row + 1, row]]
    csr.has_sorted_indices = False
    before = [a.copy() for a in (csr.data, csr.indices, csr.indptr)]
    samplers = [fast_smote.SMOTE(random_state=0), fast_smote.RandomOverSampler(), fast_smote.TomekLinks()]
    for sampler in samplers:
        X_res, _ = sampler.fit_resample(csr, y)
        for a, b in zip((csr.data, csr.indices, csr.indptr), before):
            np.testing.assert_array_equal(a, b)
        assert not csr.has_sorted_indices
        kept = getattr(sampler, "sample_indices_", np.arange(len(X)))
        np.testing.assert_array_equal(X_res[: len(kept)].toarray(), X[kept])


def test_dtypes_float32_stays_float32_and_the_rest_becomes_float64() -> None:
    X, y = dense_data()
    kept = {np.float32: np.float32, np.int32: np.float64, np.uint8: np.float64, bool: np.float64}
    for dtype, want in kept.items():
        X_res, _ = fast_smote.SMOTE(random_state=0).fit_resample(sp.csr_matrix(X.astype(dtype)), y)
        assert X_res.dtype == want
    # A cleaner hands back the caller's rows, in the caller's dtype.
    X_int = sp.csr_matrix((X * 10).astype(np.int32))
    X_res, _ = fast_smote.TomekLinks().fit_resample(X_int, y)
    assert X_res.dtype == np.int32


def test_other_sparse_formats_come_back_as_csr() -> None:
    X, y = dense_data()
    as_csr = {sp.coo_matrix: sp.csr_matrix, sp.lil_matrix: sp.csr_matrix, sp.coo_array: sp.csr_array}
    for fmt, want in as_csr.items():
        X_res, _ = fast_smote.SMOTE(random_state=0).fit_resample(fmt(X), y)
        assert type(X_res) is want
        X_kept, _ = fast_smote.TomekLinks().fit_resample(fmt(X), y)
        assert type(X_kept) is want


def test_a_neighbour_estimator_works_on_sparse_rows() -> None:
    # No exact twins: scikit-learn orders them differently for dense and sparse X.
    X, y = dense_data(empty_rows=False)
    nn = NearestNeighbors(n_neighbors=6)
    X_dense, _ = fast_smote.SMOTE(k_neighbors=nn, random_state=1).fit_resample(X, y)
    X_sparse, _ = fast_smote.SMOTE(k_neighbors=nn, random_state=1).fit_resample(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(X_sparse.toarray(), X_dense)
    cleaners = [fast_smote.EditedNearestNeighbours(n_neighbors=NearestNeighbors(n_neighbors=4)) for _ in "ab"]
    cleaners[0].fit_resample(X, y)
    cleaners[1].fit_resample(sp.csr_matrix(X), y)
    np.testing.assert_array_equal(cleaners[1].sample_indices_, cleaners[0].sample_indices_)


def brute_force(X: np.ndarray, queries: np.ndarray, references: np.ndarray, k: int) -> np.ndarray:
    """Positions into ``references`` of each query's ``k`` nearest (itself excluded),
    by exact distance, then position."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        dist = ((X[references] - X[q]) ** 2).sum(axis=1)
        dist[references == q] = np.inf
        out[i] = np.lexsort((np.arange(len(references)), dist))[:k]
    return out


def with_duplicates(n: int = 300, d: int = 25) -> np.ndarray:
    """Few distinct rows, one of them empty, each repeated many times."""
    distinct = dense_data(n=8, d=d, seed=5)[0]
    distinct[3] = 0.0
    return distinct[np.random.default_rng(6).integers(8, size=n)]


@pytest.mark.parametrize("make", [lambda: dense_data()[0], with_duplicates], ids=["random", "duplicates"])
@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_sparse_search_matches_brute_force(make: object, index_dtype: type) -> None:
    X = make()  # type: ignore[operator]
    csr = sp.csr_matrix(X)
    arrays = (csr.data, csr.indices.astype(index_dtype), csr.indptr.astype(index_dtype), X.shape[1])
    everyone = np.arange(len(X))
    some = everyone[everyone % 3 != 0]
    for queries, references in [(everyone, everyone), (everyone[::4], some)]:
        for k in (1, 5):
            got = _core.sparse_kneighbors(arrays, k, queries, references, None)
            np.testing.assert_array_equal(got, brute_force(X, queries, references, k))


@pytest.mark.parametrize("name", CLEANERS)
def test_cleaners_keep_the_rows_imblearn_keeps(name: str) -> None:
    X, y = dense_data(n=600, seed=2)
    X_sparse = sp.csr_matrix(X)
    ours = SAMPLERS[name]()
    X_res, _ = ours.fit_resample(X_sparse, y)
    theirs = getattr(imb_under, name)()
    X_theirs, _ = theirs.fit_resample(X_sparse, y)
    np.testing.assert_array_equal(np.sort(ours.sample_indices_), np.sort(theirs.sample_indices_))
    np.testing.assert_array_equal(X_res.toarray(), X[ours.sample_indices_])
    assert type(X_res) is type(X_theirs)


@pytest.mark.parametrize(
    ("name", "theirs"),
    [
        ("SMOTE", lambda: imb_over.SMOTE(random_state=0)),
        # imbalanced-learn 0.14's borderline-2 fails on sparse X (a matmul shape error).
        ("BorderlineSMOTE-1", lambda: imb_over.BorderlineSMOTE(random_state=0)),
        ("RandomOverSampler", lambda: imb_over.RandomOverSampler(random_state=0)),
        ("SMOTEENN", lambda: imb_combine.SMOTEENN(random_state=0)),
    ],
)
def test_class_counts_and_format_match_imblearn(name: str, theirs: object) -> None:
    X, y = dense_data(n=600, seed=4)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        X_ours, y_ours = SAMPLERS[name]().fit_resample(fmt(X), y)
        X_theirs, y_theirs = theirs().fit_resample(fmt(X), y)  # type: ignore[operator]
        assert X_ours.format == X_theirs.format
        if name == "SMOTEENN":  # other new rows: the cleaning removes about as many
            assert abs(len(y_ours) - len(y_theirs)) < 0.05 * len(y_theirs)
        else:
            assert Counter(y_ours) == Counter(y_theirs)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values_are_refused_by_row_and_column(bad: float) -> None:
    X, y = dense_data()
    X[7, 12] = bad
    what = "NaN" if np.isnan(bad) else "infinity"
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        with pytest.raises(ValueError, match=f"X contains {what} at row 7, column 12"):
            fast_smote.SMOTE().fit_resample(fmt(X), y)


@pytest.mark.parametrize("combination", [fast_smote.SMOTETomek, fast_smote.SMOTEENN])
def test_a_combinations_sparse_tag_is_its_over_samplers(combination: type) -> None:
    assert get_tags(combination()).input_tags.sparse
    assert get_tags(combination(smote=fast_smote.KMeansSMOTE())).input_tags.sparse

    class DenseOnly(fast_smote.SMOTE):
        def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
            tags = super().__sklearn_tags__()
            tags.input_tags.sparse = False
            return tags

    assert not get_tags(combination(smote=DenseOnly())).input_tags.sparse


@pytest.mark.parametrize(
    ("name", "theirs"),
    [
        ("SMOTENC", lambda: imb_over.SMOTENC(categorical_features=[0, 5], random_state=0)),
        ("SMOTEN", lambda: imb_over.SMOTEN(random_state=0)),
        (
            "KMeansSMOTE",
            lambda: imb_over.KMeansSMOTE(kmeans_estimator=3, cluster_balance_threshold=0.05, random_state=0),
        ),
        ("RandomOverSampler-shrinkage", lambda: imb_over.RandomOverSampler(shrinkage=0.5, random_state=0)),
    ],
)
@pytest.mark.filterwarnings("ignore:Passing a sparse matrix to SMOTEN")  # imbalanced-learn's
def test_densified_samplers_take_sparse_x_as_imblearn_does(name: str, theirs: object) -> None:
    X, y = dense_data(n=300, d=8, seed=4)
    X = np.round(X, 1)  # few values per feature, so that SMOTEN and SMOTENC have categories
    for fmt in FORMATS.values():
        X_ours, y_ours = SAMPLERS[name]().fit_resample(fmt(X), y)
        X_theirs, y_theirs = theirs().fit_resample(fmt(X), y)  # type: ignore[operator]
        # Ours keeps X's format and class. imbalanced-learn's keep the format, except that
        # its SMOTENC returns CSR for CSC, and its SMOTEN returns matrices for arrays.
        assert type(X_ours) is fmt and sp.issparse(X_theirs)
        assert X_theirs.format == ("csr" if name == "SMOTENC" else X_ours.format)
        assert Counter(y_ours) == Counter(y_theirs)
        np.testing.assert_array_equal(X_ours[: len(X)].toarray(), X)


def test_complex_and_empty_sparse_x_are_refused() -> None:
    X, y = dense_data()
    with pytest.raises(ValueError, match="Complex data not supported"):
        fast_smote.SMOTE().fit_resample(sp.csr_matrix(X.astype(np.complex128)), y)
    with pytest.raises(ValueError, match="0 feature"):
        fast_smote.SMOTE().fit_resample(sp.csr_matrix((len(y), 0)), y)
