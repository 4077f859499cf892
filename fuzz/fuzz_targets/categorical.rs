//! Categorical features: `categorical::vote`, `draw_positions`, `embed_mixed`, and
//! `ValueDifference::new` with its `kneighbors` and `pairwise`, on arbitrary codes,
//! category counts and row lists (in range or not), checked against direct
//! definitions.
#![no_main]

use arbitrary::Unstructured;
use fast_smote::rng::{all_chunks, CHUNK_ROWS};
use fast_smote_fuzz::{
    core, finite, flag, int, k_for, one_in, rows, seed, threads, values, FuzzFloat, Mix,
};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, ArrayView2};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let t = threads(&mut u);
    match int(&mut u, 0, 3) {
        0 => vote(&mut u, t),
        1 => draw_positions(&mut u, t),
        2 => embed_mixed(&mut u, t),
        _ => value_difference(&mut u, t),
    }
});

/// `n` × `q` codes: small non-negative ones, or (rarely) any `i32`.
fn codes(u: &mut Unstructured<'_>, n: usize, q: usize, most: usize) -> Array2<i32> {
    let mut mix = Mix(seed(u));
    let wild = one_in(u, 8);
    Array2::from_shape_simple_fn((n, q), || {
        if wild && mix.next() % 16 == 0 {
            mix.next() as i32
        } else {
            mix.below(most + 1) as i32
        }
    })
}

/// Category counts for `q` features: mostly small, the list sometimes of the wrong
/// length, a count sometimes large or so large that sums overflow (`TooLarge`). Not
/// one that fits `usize` but not memory: the embedding would abort on allocation.
fn cardinalities(u: &mut Unstructured<'_>, q: usize) -> Vec<usize> {
    let len = match int(u, 0, 15) {
        0 => q + 1,
        1 => q.saturating_sub(1),
        _ => q,
    };
    (0..len)
        .map(|_| {
            if one_in(u, 64) {
                [64, 1000, usize::MAX, usize::MAX / 2 + 1][int(u, 0, 3)]
            } else {
                int(u, 0, 5)
            }
        })
        .collect()
}

fn vote(u: &mut Unstructured<'_>, t: usize) {
    let (n, q) = (int(u, 0, 50), int(u, 0, 4));
    let codes = codes(u, n, q, 3);
    let (m, w) = (int(u, 0, 40), int(u, 0, 6));
    let mut mix = Mix(seed(u));
    let wild = one_in(u, 8);
    let voters = Array2::from_shape_simple_fn((m, w), || {
        if wild && mix.next() % 8 == 0 {
            [-1, n as i64, i64::MIN, i64::MAX][mix.below(4)]
        } else {
            mix.below(n) as i64
        }
    });
    // Rows of no voters have no majority (`NoVoters`).
    let valid = voters.iter().all(|&r| r >= 0 && (r as usize) < n) && (w > 0 || m == 0);
    let got = core::threads(t, || core::vote(codes.view(), voters.view()));
    let got = match got {
        Err(e) => {
            assert!(!valid, "unexpected {e:?}");
            return;
        }
        Ok(got) => {
            assert!(valid, "no error for voters out of range");
            got
        }
    };
    assert_eq!(got.dim(), (m, q), "vote shape");
    for i in 0..m {
        for f in 0..q {
            let ballot: Vec<i32> = voters
                .row(i)
                .iter()
                .map(|&r| codes[[r as usize, f]])
                .collect();
            // The most frequent code; among equally frequent ones, the first listed.
            let best = ballot
                .iter()
                .copied()
                .max_by_key(|&v| {
                    let count = ballot.iter().filter(|&&w| w == v).count();
                    let first = ballot.iter().position(|&w| w == v).expect("listed");
                    (count, std::cmp::Reverse(first))
                })
                .expect("a voter");
            assert_eq!(
                got[[i, f]],
                best,
                "vote {i}, feature {f}: ballot {ballot:?}"
            );
        }
    }
}

fn draw_positions(u: &mut Unstructured<'_>, t: usize) {
    let n_choices = match int(u, 0, 7) {
        0 => 0,
        1 => [u32::MAX as usize, u32::MAX as usize + 1, usize::MAX][int(u, 0, 2)],
        2 => int(u, 1, u32::MAX as usize),
        _ => int(u, 1, 50),
    };
    let n_draws = match int(u, 0, 2) {
        0 => int(u, 0, 3),
        _ => int(u, 0, 3 * CHUNK_ROWS + 5),
    };
    let (random_state, class) = (seed(u), int(u, 0, 5));
    let n_chunks = n_draws.div_ceil(CHUNK_ROWS);
    let (first, end) = (int(u, 0, n_chunks + 1), int(u, 0, n_chunks + 1));
    let got = core::threads(t, || {
        core::draw_positions(random_state, class, n_choices, n_draws, first..end)
    });
    let valid = !(n_draws > 0 && n_choices == 0)
        && n_choices <= u32::MAX as usize
        && first <= end
        && end <= n_chunks;
    let got = match got {
        Err(e) => {
            assert!(!valid, "unexpected {e:?}");
            return;
        }
        Ok(got) => {
            assert!(
                valid,
                "no error for {n_choices} choices, window {first}..{end}"
            );
            got
        }
    };
    let (lo, hi) = (
        (first * CHUNK_ROWS).min(n_draws),
        (end * CHUNK_ROWS).min(n_draws),
    );
    assert_eq!(got.len(), hi - lo, "draw_positions length");
    assert!(
        got.iter().all(|&p| (p as usize) < n_choices),
        "a position out of range"
    );
    let all = core::threads(t, || {
        core::draw_positions(random_state, class, n_choices, n_draws, all_chunks(n_draws))
    })
    .expect("every chunk");
    assert_eq!(
        got,
        all[lo..hi],
        "a window differs from the whole run's draws"
    );
}

fn embed_mixed(u: &mut Unstructured<'_>, t: usize) {
    if flag(u) {
        embed_mixed_typed::<f32>(u, t);
    } else {
        embed_mixed_typed::<f64>(u, t);
    }
}

fn embed_mixed_typed<F: FuzzFloat>(u: &mut Unstructured<'_>, t: usize) {
    let (n, p, q) = (int(u, 0, 60), int(u, 0, 5), int(u, 0, 4));
    let continuous = values::<F>(u, n, p, true);
    let code_rows = match int(u, 0, 15) {
        0 => n + 1,
        1 => n.saturating_sub(1),
        _ => n,
    };
    let codes = codes(u, code_rows, q, 5);
    let cardinalities = cardinalities(u, q);
    let listed = rows(u, n, 80);
    let scale = if flag(u) { F::one() } else { finite::<F>(u) };
    let width = cardinalities.iter().try_fold(p, |w, &c| w.checked_add(c));
    let got = core::threads(t, || {
        core::embed_mixed(
            continuous.view(),
            codes.view(),
            &cardinalities,
            &listed,
            scale,
        )
    });
    // The embedding must fit an allocation (`TooLarge`); even an empty one, since
    // ndarray refuses shapes whose non-zero lengths multiply past isize::MAX.
    let fits = |w: usize| {
        w.checked_mul(listed.len().max(1))
            .and_then(|v| v.checked_mul(std::mem::size_of::<F>()))
            .is_some_and(|bytes| bytes <= isize::MAX as usize)
    };
    let valid = code_rows == n
        && listed.iter().all(|&r| r < n)
        && codes_valid(codes.view(), &cardinalities)
        && width.is_some_and(|w| w > 0 && fits(w));
    let got = match got {
        Err(e) => {
            assert!(!valid, "unexpected {e:?}");
            return;
        }
        Ok(got) => {
            assert!(valid, "no error for invalid codes or rows");
            got
        }
    };
    let width = width.expect("checked");
    assert_eq!(got.dim(), (listed.len(), width), "embed_mixed shape");
    for (i, &r) in listed.iter().enumerate() {
        let mut want = vec![F::zero(); width];
        for j in 0..p {
            want[j] = continuous[[r, j]];
        }
        let mut offset = p;
        for (f, &c) in cardinalities.iter().enumerate() {
            want[offset + codes[[r, f]] as usize] = scale;
            offset += c;
        }
        for (j, (&g, &w)) in got.row(i).iter().zip(&want).enumerate() {
            assert!(
                g.bits() == w.bits(),
                "embedded row {i} (row {r}), column {j}: {g:?}, want {w:?}"
            );
        }
    }
}

/// Every code of feature `f` in `0..cardinalities[f]`, and one count per feature.
fn codes_valid(codes: ArrayView2<i32>, cardinalities: &[usize]) -> bool {
    codes.ncols() == cardinalities.len()
        && codes
            .indexed_iter()
            .all(|((_, f), &c)| c >= 0 && (c as usize) < cardinalities[f])
}

fn value_difference(u: &mut Unstructured<'_>, t: usize) {
    let (n, q) = (int(u, 0, 120), int(u, 0, 4));
    let codes = codes(u, n, q, 5);
    let cardinalities = cardinalities(u, q);
    let total = cardinalities
        .iter()
        .try_fold(0usize, |w, &c| w.checked_add(c));
    let classes = int(u, 0, 4);
    let prob_rows = match (total.filter(|&total| total <= 1000), int(u, 0, 15)) {
        (Some(total), 0) => total + 1,
        (Some(total), 1) => total.saturating_sub(1),
        (Some(total), _) => total,
        _ => int(u, 0, 30),
    };
    let wild = one_in(u, 4);
    let mut mix = Mix(seed(u));
    let probabilities = Array2::from_shape_simple_fn((prob_rows, classes), || {
        if wild && mix.next() % 4 == 0 {
            f64::from_bits(mix.next() & !(1 << 62))
        } else {
            (mix.next() % 9) as f64 / 8.0
        }
    });
    let listed = rows(u, n, 120);
    let got = core::threads(t, || {
        core::value_difference(codes.view(), &cardinalities, probabilities.view(), &listed)
    });
    let valid = listed.iter().all(|&r| r < n)
        && codes_valid(codes.view(), &cardinalities)
        && total == Some(prob_rows)
        && q > 0
        && classes > 0;
    let vdm = match got {
        Err(e) => {
            assert!(!valid, "unexpected {e:?}");
            return;
        }
        Ok(vdm) => {
            assert!(valid, "no error for invalid codes, shares or rows");
            vdm
        }
    };
    // The embedding the metric works on: each row's class shares, feature by feature.
    let starts: Vec<usize> = cardinalities
        .iter()
        .scan(0, |s, &c| {
            let at = *s;
            *s += c;
            Some(at)
        })
        .collect();
    let shares = |r: usize, f: usize| probabilities.row(starts[f] + codes[[r, f]] as usize);
    let distance = |a: usize, b: usize| -> f64 {
        (0..q)
            .map(|f| {
                let l1: f64 = shares(listed[a], f)
                    .iter()
                    .zip(shares(listed[b], f))
                    .map(|(x, y)| (x - y).abs())
                    .sum();
                l1 * l1
            })
            .fold(0.0, |total, v| total + v)
    };
    let m = listed.len();
    let k = k_for(u, m);
    match core::threads(t, || core::vdm_kneighbors(&vdm, k)) {
        Err(e) => assert!(k == 0 || m < k + 1, "unexpected {e:?}"),
        Ok(table) => {
            assert!(k > 0 && m > k, "no error for k={k} among {m} rows");
            assert_eq!(table.dim(), (m, k), "VDM table shape");
            for i in 0..m {
                let mut all: Vec<(f64, usize)> = (0..m)
                    .filter(|&j| j != i)
                    .map(|j| (distance(i, j), j))
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let want: Vec<u32> = all[..k].iter().map(|&(_, j)| j as u32).collect();
                let got: Vec<u32> = table.row(i).to_vec();
                assert_eq!(got, want, "VDM neighbours of {i}: nearest {:?}", &all[..k]);
            }
        }
    }
    if m <= 60 {
        let pairwise = core::threads(t, || core::vdm_pairwise(&vdm)).expect("pairwise");
        assert_eq!(pairwise.dim(), (m, m), "pairwise shape");
        for ((i, j), &d) in pairwise.indexed_iter() {
            assert!(
                d.to_bits() == distance(i, j).to_bits(),
                "pairwise [{i}, {j}]: {d}, want {}",
                distance(i, j)
            );
        }
    }
}
