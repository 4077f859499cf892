//! Reproducible randomness for parallel generation.
//!
//! Every output chunk of a fixed size gets its own generator, seeded by hashing
//! `(random_state, stream, chunk index)`, where a stream is one class's rows (or one
//! part of them, for samplers that make a class's rows in several jobs). No seed depends on the thread count or on
//! scheduling, so any number of threads (or machines) produces the same rows.
//! The generator (xoshiro256++) and the conversions are written out here so that the
//! stream, and with it every result, stays stable across dependency upgrades.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::float::Float;

/// Synthetic rows per chunk: the unit of parallel work and of seeding. Fixed forever,
/// because changing it changes every result for a given `random_state`.
pub const CHUNK_ROWS: usize = 1024;

/// The rows of the chunks `chunks` of a stream of `total` rows (its last chunk may be
/// short): a window of the stream, which can be made on its own.
pub fn window_rows(total: usize, chunks: Range<usize>) -> Result<Range<usize>> {
    let n_chunks = total.div_ceil(CHUNK_ROWS);
    if chunks.start > chunks.end || chunks.end > n_chunks {
        return Err(Error::IndexOutOfRange {
            what: "the window's last chunk",
            index: chunks.end.saturating_sub(1).max(chunks.start),
            len: n_chunks,
        });
    }
    Ok(total.min(chunks.start * CHUNK_ROWS)..total.min(chunks.end * CHUNK_ROWS))
}

/// Every chunk of a stream of `total` rows.
pub fn all_chunks(total: usize) -> Range<usize> {
    0..total.div_ceil(CHUNK_ROWS)
}

/// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

/// The seed stream of part `part` of class `class`'s synthetic rows (part 0 is the
/// class code itself).
pub fn stream(class: usize, part: usize) -> u64 {
    class as u64 | (part as u64) << 32
}

/// The seed of one output chunk of one stream (see [`stream`]).
pub fn chunk_seed(random_state: u64, stream: u64, chunk: u64) -> u64 {
    let h = mix64(random_state.wrapping_add(GOLDEN_GAMMA));
    let h = mix64(h ^ stream.wrapping_mul(GOLDEN_GAMMA).wrapping_add(1));
    mix64(h ^ chunk.wrapping_mul(GOLDEN_GAMMA).wrapping_add(2))
}

/// xoshiro256++ (Blackman and Vigna), seeded through SplitMix64.
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(GOLDEN_GAMMA);
            mix64(x)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform integer in `0..n` without modulo bias (Lemire's multiply-and-reject).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        let n = n as u64;
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let threshold = n.wrapping_neg() % n;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as usize
    }
}

impl Rng {
    /// Uniform in `(0, 1]`: safe to take the logarithm of.
    #[inline]
    fn open_unit(&mut self) -> f64 {
        1.0 - f64::unit_from_bits(self.next_u64())
    }

    /// A standard normal draw: Marsaglia and Tsang's ziggurat (one 64-bit draw and a
    /// table lookup almost every time; the wedges and the tail are sampled exactly).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        let zig = ziggurat();
        loop {
            let bits = self.next_u64();
            let layer = (bits & 0xff) as usize;
            // A symmetric uniform in (-1, 1) from the other 53 bits.
            let u = 2.0 * f64::unit_from_bits(bits) - 1.0;
            let x = u * zig.x[layer];
            if x.abs() < zig.x[layer + 1] {
                return x;
            }
            if layer == 0 {
                return self.normal_tail(u < 0.0);
            }
            let f = zig.f[layer + 1]
                + (zig.f[layer] - zig.f[layer + 1]) * f64::unit_from_bits(self.next_u64());
            if f < (-0.5 * x * x).exp() {
                return x;
            }
        }
    }

    /// A draw from the normal tail beyond the base layer's edge (Marsaglia's method).
    #[cold]
    fn normal_tail(&mut self, negative: bool) -> f64 {
        loop {
            let x = -self.open_unit().ln() / ZIGGURAT_R;
            let y = -self.open_unit().ln();
            if 2.0 * y > x * x {
                let tail = ZIGGURAT_R + x;
                return if negative { -tail } else { tail };
            }
        }
    }

    /// A Gamma(`shape`, 1) draw for a whole-number shape: a sum of exponentials.
    fn gamma_whole(&mut self, shape: u32) -> f64 {
        (0..shape).map(|_| -self.open_unit().ln()).sum()
    }

    /// A Beta(`a`, `b`) draw for whole-number shapes.
    pub fn beta_whole(&mut self, a: u32, b: u32) -> f64 {
        let x = self.gamma_whole(a);
        x / (x + self.gamma_whole(b))
    }
}

/// Right edge of the ziggurat's base layer for 256 layers (Marsaglia and Tsang, 2000).
const ZIGGURAT_R: f64 = 3.654_152_885_361_009;

/// The ziggurat's layer edges `x[0..=256]` (`x[1] = R` down to `x[256] = 0`; `x[0]` is
/// the base layer's width as a rectangle of the common area) and the density
/// `f = exp(-x²/2)` at each edge.
struct Ziggurat {
    x: [f64; 257],
    f: [f64; 257],
}

/// The table, built on first use. Inlined so that a draw pays only the `OnceLock`
/// check, not a call.
#[inline]
fn ziggurat() -> &'static Ziggurat {
    static TABLE: std::sync::OnceLock<Ziggurat> = std::sync::OnceLock::new();
    TABLE.get_or_init(build_ziggurat)
}

#[cold]
fn build_ziggurat() -> Ziggurat {
    let density = |x: f64| (-0.5 * x * x).exp();
    // Every layer has the area of the base: the rectangle under f(R) plus the tail,
    // whose area is f(R) times Mills' ratio (a continued fraction, exact here).
    let fraction = (1..200)
        .rev()
        .fold(0.0, |acc, i| f64::from(i) / (ZIGGURAT_R + acc));
    let area = ZIGGURAT_R * density(ZIGGURAT_R) + density(ZIGGURAT_R) / (ZIGGURAT_R + fraction);
    let mut x = [0.0; 257];
    x[0] = area / density(ZIGGURAT_R);
    x[1] = ZIGGURAT_R;
    for i in 1..255 {
        x[i + 1] = (-2.0 * (area / x[i] + density(x[i])).ln()).sqrt();
    }
    x[256] = 0.0;
    let f = x.map(density);
    Ziggurat { x, f }
}

/// The stream part reserved for a class's one-off draws (never an output chunk's).
const ONE_OFF_PART: usize = u32::MAX as usize;

/// SVM-SMOTE's split of a class's rows between interpolation and extrapolation: a
/// Beta(10, 10) draw from the class's own one-off stream.
pub fn split_fraction(random_state: u64, class: usize) -> f64 {
    Rng::new(chunk_seed(random_state, stream(class, ONE_OFF_PART), 0)).beta_whole(10, 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_seeds_differ_by_every_coordinate() {
        let base = chunk_seed(7, 1, 3);
        assert_ne!(base, chunk_seed(8, 1, 3));
        assert_ne!(base, chunk_seed(7, 2, 3));
        assert_ne!(base, chunk_seed(7, 1, 4));
        assert_ne!(chunk_seed(0, 0, 1), chunk_seed(0, 1, 0));
        assert_eq!(base, chunk_seed(7, 1, 3));
    }

    #[test]
    fn windows_are_whole_chunks_of_the_stream() {
        let total = 2 * CHUNK_ROWS + 5;
        assert_eq!(all_chunks(total), 0..3);
        assert_eq!(all_chunks(0), 0..0);
        assert_eq!(window_rows(total, 0..3).unwrap(), 0..total);
        assert_eq!(
            window_rows(total, 1..2).unwrap(),
            CHUNK_ROWS..2 * CHUNK_ROWS
        );
        assert_eq!(window_rows(total, 2..3).unwrap(), 2 * CHUNK_ROWS..total);
        assert_eq!(window_rows(total, 3..3).unwrap(), total..total);
        assert_eq!(window_rows(0, 0..0).unwrap(), 0..0);
        #[allow(clippy::reversed_empty_ranges)]
        for outside in [2..4, 4..4, 2..1] {
            assert!(matches!(
                window_rows(total, outside),
                Err(Error::IndexOutOfRange { len: 3, .. })
            ));
        }
        assert!(window_rows(0, 0..1).is_err());
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = Rng::new(42);
        let mut seen = [0usize; 7];
        for _ in 0..70_000 {
            seen[rng.below(7)] += 1;
        }
        // Each bucket expects 10_000; 5 sigma is about 460.
        for count in seen {
            assert!((9_500..10_500).contains(&count), "{seen:?}");
        }
    }

    #[test]
    fn stream_is_stable() {
        // Pinned values: a change here changes every user's results for a given seed.
        let mut rng = Rng::new(0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            [
                5987356902031041503,
                7051070477665621255,
                6633766593972829180
            ]
        );
        assert_eq!(chunk_seed(42, 1, 2), 2156508742054981555);
    }

    #[test]
    fn normal_and_beta_draws_have_the_right_moments() {
        let mut rng = Rng::new(3);
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        let betas: Vec<f64> = (0..n).map(|_| rng.beta_whole(10, 10)).collect();
        let mean = betas.iter().sum::<f64>() / n as f64;
        let var = betas.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        // Beta(10, 10): mean 1/2, variance 1/84.
        assert!(
            (mean - 0.5).abs() < 0.002 && (var - 1.0 / 84.0).abs() < 0.0005,
            "{mean} {var}"
        );
        assert!(betas.iter().all(|&b| b > 0.0 && b < 1.0));
        assert_eq!(split_fraction(5, 1), split_fraction(5, 1));
        assert_ne!(split_fraction(5, 1), split_fraction(5, 2));
    }
}
