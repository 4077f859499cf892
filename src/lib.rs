//! fast_smote's Rust core: exact k-NN search and seeded, parallel generation for the SMOTE family
//! over `ndarray` views and CSR matrices. The Python bindings live in `python.rs` alone.

pub mod bootstrap;
pub mod categorical;
pub mod clusters;
pub mod distances;
pub mod error;
pub mod float;
pub mod neighbors;
pub mod parallel;
pub mod rng;
pub mod sampling;
mod simd;
pub mod sparse;
pub mod spheres;
pub mod stop;

#[cfg(feature = "python")]
mod python;
