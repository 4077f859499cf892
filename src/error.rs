//! The core's one error type. `python.rs` maps every variant to a Python exception.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum Error {
    /// A class to oversample cannot supply `k` neighbours besides each sample itself.
    #[error(
        "class {class} has {n_samples} samples, but k_neighbors={k} needs at least {} \
         samples in every class to oversample",
        k + 1
    )]
    TooFewSamples {
        class: usize,
        n_samples: usize,
        k: usize,
    },

    #[error("X has no features (0 columns)")]
    NoFeatures,

    #[error("k_neighbors must be at least 1, got {0}")]
    InvalidK(usize),

    /// A non-finite value that validation should have caught before the core ran.
    #[error("X contains a non-finite value (NaN or infinity) at row {row}, column {column}")]
    NonFinite { row: usize, column: usize },

    #[error("{what} has {got} rows, expected {expected}")]
    ShapeMismatch {
        what: &'static str,
        got: usize,
        expected: usize,
    },

    #[error("{what}: index {index} is out of range for {len} rows")]
    IndexOutOfRange {
        what: &'static str,
        index: usize,
        len: usize,
    },

    #[error("categorical feature {feature} has code {code}, outside 0..{cardinality}")]
    CodeOutOfRange {
        feature: usize,
        code: i64,
        cardinality: usize,
    },

    #[error("class {class} has {n_samples} samples; the search supports at most {max}")]
    ClassTooLarge {
        class: usize,
        n_samples: usize,
        max: usize,
    },

    /// CSR arrays that do not describe a matrix with sorted, in-range column indices
    /// (validation hands the core canonical CSR).
    #[error("X is not a valid CSR matrix: {0}")]
    MalformedSparse(&'static str),

    /// Sizes whose product or sum does not fit the machine's address space.
    #[error("{0} is too large for this machine's memory")]
    TooLarge(&'static str),

    /// A majority vote over no voters.
    #[error("every synthetic row needs at least one voter for its categories")]
    NoVoters,

    /// A stop was requested (see `stop::Stop`): the computation ended early.
    #[error("interrupted")]
    Interrupted,

    /// A search setting outside its range (the Python layer names it first).
    #[error("{name} must be a finite number above 0, got {value}")]
    InvalidParameter { name: &'static str, value: String },

    /// A generation job whose parts do not fit together (the Python layer builds them).
    #[error("invalid generation job: {0}")]
    InvalidJob(String),

    /// Row lists that break a function's contract (order, overlap).
    #[error("{0}")]
    InvalidRows(String),

    /// A part of a split search, or the lists given to answer from, that do not fit
    /// the data (see `neighbors::splits_by_tiles`).
    #[error("split search: {0}")]
    SplitMismatch(String),

    #[error("could not start a thread pool with {threads} threads: {reason}")]
    ThreadPool { threads: usize, reason: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Names the class a per-class failure happened in (the search itself only sees rows).
    pub fn for_class(self, class: usize) -> Error {
        match self {
            Error::TooFewSamples { n_samples, k, .. } => Error::TooFewSamples {
                class,
                n_samples,
                k,
            },
            Error::ClassTooLarge { n_samples, max, .. } => Error::ClassTooLarge {
                class,
                n_samples,
                max,
            },
            other => other,
        }
    }
}
