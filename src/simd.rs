//! Run-time dispatch of plain Rust loops to the widest vector instructions the CPU has,
//! and the prefetch hint of loops that read rows at random.

/// Defines `fn $name` whose body is compiled three times, for AVX-512F, for AVX2 with
/// FMA and for the baseline, and runs the widest the CPU has (the check is a cached
/// load). Rust never fuses nor reorders floating-point operations (`mul_add` is fused
/// on all three, in software on the baseline), so the three compute the same values:
/// only the width of the loops' instructions differs. What the body calls
/// is compiled for the same instructions where it is inlined (`#[inline(always)]`).
macro_rules! widest_vectors {
    (
        $(#[$attr:meta])*
        $vis:vis fn $name:ident $(<$($g:ident: $bound:path),+>)?
            ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
    ) => {
        $(#[$attr])*
        $vis fn $name $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            fn body $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? $body
            let level = $crate::simd::level();
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                unsafe fn avx512 $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                unsafe fn avx2 $(<$($g: $bound),+>)? ($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                match level {
                    // SAFETY: level 0 is the CPU's AVX-512F.
                    0 => return unsafe { avx512($($arg),*) },
                    // SAFETY: level 1 is the CPU's AVX2 and FMA.
                    1 => return unsafe { avx2($($arg),*) },
                    _ => {}
                }
            }
            let _ = level;
            body($($arg),*)
        }
    };
}

pub(crate) use widest_vectors;

/// Asks the CPU to bring the cache lines of `values` in, ahead of their use: every line
/// up to `PREFETCH_MOST_LINES`, then the last one (a hint: on other CPUs, nothing).
#[inline(always)]
pub(crate) fn prefetch<T>(values: &[T]) {
    #[cfg(target_arch = "x86_64")]
    if let (Some(first), Some(last)) = (values.first(), values.last()) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let (first, last) = (first as *const T as usize, last as *const T as usize);
        let lines = ((last - first) / CACHE_LINE + 1).min(PREFETCH_MOST_LINES);
        for line in 0..lines {
            // SAFETY: a prefetch reads nothing and never faults, at any address; SSE
            // is part of every x86_64 CPU.
            unsafe { _mm_prefetch::<_MM_HINT_T0>((first + line * CACHE_LINE) as *const i8) };
        }
        // SAFETY: as above.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(last as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

#[cfg(target_arch = "x86_64")]
const CACHE_LINE: usize = 64;
/// The most lines `prefetch` asks for one after another: a row of 64 float64 values;
/// longer rows' middles come by the CPU's own prefetch.
#[cfg(target_arch = "x86_64")]
const PREFETCH_MOST_LINES: usize = 8;

/// `prefetch` of row `r` of `x`, where the row is contiguous (a strided row is left
/// alone: the lines after its first element are not its own).
#[inline(always)]
pub(crate) fn prefetch_row<T>(x: ndarray::ArrayView2<'_, T>, r: usize) {
    if let Some(row) = x.row(r).to_slice() {
        prefetch(row);
    }
}

/// The instruction set `widest_vectors!` runs: 0 for AVX-512F, 1 for AVX2 with FMA, 2
/// for the baseline; the widest the CPU has (each check is a cached load), or in a test
/// the widest from the narrowest one it allows (`testing::at_each_level`).
#[inline(always)]
pub(crate) fn level() -> usize {
    #[cfg(test)]
    let level = {
        let level =
            widest_from(testing::NARROWEST_ALLOWED.load(std::sync::atomic::Ordering::Relaxed));
        testing::RAN[level].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        level
    };
    #[cfg(not(test))]
    let level = widest_from(0);
    level
}

/// The widest instruction set the CPU has from `first` on (see `level`).
#[inline(always)]
fn widest_from(first: u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        if first == 0 && std::arch::is_x86_feature_detected!("avx512f") {
            return 0;
        }
        if first <= 1
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            return 1;
        }
    }
    let _ = first;
    2
}

#[cfg(test)]
pub(crate) mod testing {
    use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
    use std::sync::{Mutex, PoisonError};

    /// The calls of `widest_vectors!` functions that ran each instruction set.
    pub(super) static RAN: [AtomicUsize; 3] = [const { AtomicUsize::new(0) }; 3];
    /// The narrowest instruction set `widest_vectors!` may start from (see `level`).
    pub(super) static NARROWEST_ALLOWED: AtomicU8 = AtomicU8::new(0);
    static ONE_TEST_AT_A_TIME: Mutex<()> = Mutex::new(());

    /// `run()` with the widest instructions the CPU has, then with at most AVX2 and FMA,
    /// then with the baseline's: every compiled variant a machine can run, so that a
    /// machine with AVX-512 tests the narrower ones too; asserts that each run called
    /// the variant it was meant to. Other tests running meanwhile may take a narrower
    /// variant as well, which computes the same values.
    pub(crate) fn at_each_level<T>(run: impl Fn() -> T) -> Vec<T> {
        let _one = ONE_TEST_AT_A_TIME
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let results = (0..3)
            .map(|narrowest| {
                NARROWEST_ALLOWED.store(narrowest, Ordering::Relaxed);
                let expected = super::widest_from(narrowest);
                let before = RAN[expected].load(Ordering::Relaxed);
                let result = run();
                assert!(
                    RAN[expected].load(Ordering::Relaxed) > before,
                    "no call ran instruction set {expected} while allowed from {narrowest}"
                );
                result
            })
            .collect();
        NARROWEST_ALLOWED.store(0, Ordering::Relaxed);
        results
    }
}
