//! Synthetic-row generation for every interpolating sampler: neighbours are found
//! first, then the output is allocated once, the originals are copied in, and the
//! synthetic rows are written after them job by job, chunk by chunk, in parallel, each
//! chunk with its own seed (see `rng`).
//!
//! A job is one stream of synthetic rows of one class: SMOTE has one per class;
//! Borderline-SMOTE draws its bases from the danger samples; SVM-SMOTE has one job for
//! interpolation and one for extrapolation; ADASYN fixes how many rows each base makes;
//! KMeans-SMOTE has one job per cluster.

use std::borrow::Cow;
use std::mem::MaybeUninit;
use std::ops::Range;

use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis, Zip};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::float::{interpolate as interpolate_value, Float};
use crate::neighbors::kneighbors_among;
use crate::rng::{chunk_seed, stream, window_rows, Rng, CHUNK_ROWS};
use crate::simd::prefetch;
use crate::stop::Stop;

/// Where a job's neighbour table comes from.
pub enum NeighborTable<'a> {
    /// Search the `k` nearest references of every base with the core's engine.
    Search(usize),
    /// A given table (from a user's estimator): row `i` lists the neighbours of base
    /// `i` as positions into the job's references.
    Given(ArrayView2<'a, u32>),
    /// Every other reference: the references are the bases, and each base's partner is
    /// drawn uniformly from the others (ProWSyn's pairs within a proximity level),
    /// without a table of all pairs.
    Others,
}

/// How many rows a job makes, and how each picks its base and neighbour.
pub enum Draws {
    /// `n` rows, each from a (base, neighbour column) pair drawn uniformly.
    Pairs(usize),
    /// `counts[i]` rows from base `i`, in base order, each toward a uniformly drawn
    /// neighbour column.
    PerBase(Vec<usize>),
}

impl Draws {
    /// The rows drawn in all.
    pub fn total(&self) -> usize {
        match self {
            Draws::Pairs(n) => *n,
            Draws::PerBase(counts) => counts.iter().sum(),
        }
    }
}

/// One stream of synthetic rows of one class.
pub struct Job<'a> {
    /// The class's code (its position among the sorted labels): part of every seed.
    pub class: usize,
    /// Which of the class's streams this is (0 for the first); part of every seed.
    pub part: usize,
    /// Rows of X the new rows start from.
    pub bases: Vec<usize>,
    /// Rows of X the neighbours are taken from.
    pub references: Vec<usize>,
    pub neighbors: NeighborTable<'a>,
    pub draws: Draws,
    /// Steps are `step_scale * u` with `u` uniform in `[0, 1)`: 1 interpolates between
    /// base and neighbour, a negative scale extrapolates away from the neighbour.
    pub step_scale: f64,
    /// Reference positions toward which the step is further scaled by a uniform draw
    /// in `[0, 0.5)` (Borderline-SMOTE-2's neighbours from other classes).
    pub damped: Option<Vec<bool>>,
}

/// An integer type of indices exchanged with NumPy and SciPy: `i32` while the values
/// fit it (half the memory), `i64` beyond. Provenance rows, and a sparse matrix's
/// column indices and row pointers, come in either.
pub trait Index: Copy + Default + Send + Sync + 'static {
    const MAX: usize;
    fn from_usize(value: usize) -> Self;
    /// The value as a `usize`; a negative one wraps to a huge value, which every
    /// bounds check then rejects.
    fn to_usize(self) -> usize;
}

impl Index for i32 {
    const MAX: usize = i32::MAX as usize;
    #[inline]
    fn from_usize(value: usize) -> Self {
        value as i32
    }
    #[inline]
    fn to_usize(self) -> usize {
        self as usize
    }
}

impl Index for i64 {
    const MAX: usize = i64::MAX as usize;
    #[inline]
    fn from_usize(value: usize) -> Self {
        value as i64
    }
    #[inline]
    fn to_usize(self) -> usize {
        self as usize
    }
}

/// The resampled X and, for each synthetic row, where it came from.
#[derive(Debug)]
pub struct Resampled<F, I> {
    /// Original rows first, then the synthetic rows job by job.
    pub x: Array2<F>,
    /// Row of X of each synthetic row's base sample.
    pub base: Vec<I>,
    /// Row of X of each synthetic row's neighbour.
    pub neighbor: Vec<I>,
    /// Step of each synthetic row: it equals `base + step * (neighbor - base)`.
    pub step: Vec<F>,
}

/// Checks that every row index is inside X.
pub(crate) fn check_rows(what: &'static str, rows: &[usize], n: usize) -> Result<()> {
    match rows.iter().find(|&&r| r >= n) {
        Some(&bad) => Err(Error::IndexOutOfRange {
            what,
            index: bad,
            len: n,
        }),
        None => Ok(()),
    }
}

/// Checks what the search does not: the job's own shapes.
fn check_job(job: &Job<'_>, n: usize) -> Result<()> {
    check_rows("base rows", &job.bases, n)?;
    check_rows("reference rows", &job.references, n)?;
    if let Draws::PerBase(counts) = &job.draws {
        if counts.len() != job.bases.len() {
            return Err(Error::ShapeMismatch {
                what: "the per-base counts",
                got: counts.len(),
                expected: job.bases.len(),
            });
        }
    }
    if job.draws.total() > 0 && job.bases.is_empty() {
        return Err(Error::ShapeMismatch {
            what: "the base rows of a job with rows to make",
            got: 0,
            expected: 1,
        });
    }
    if let Some(damped) = &job.damped {
        if damped.len() != job.references.len() {
            return Err(Error::ShapeMismatch {
                what: "the damped-reference mask",
                got: damped.len(),
                expected: job.references.len(),
            });
        }
    }
    match job.neighbors {
        NeighborTable::Given(table) => check_table(table, job)?,
        NeighborTable::Others if job.draws.total() > 0 => {
            if job.references != job.bases {
                return Err(Error::InvalidJob(
                    "partners among the other bases need the references to be the bases".into(),
                ));
            }
            if job.bases.len() < 2 {
                return Err(Error::ShapeMismatch {
                    what: "the base rows of a job with partners among the other bases",
                    got: job.bases.len(),
                    expected: 2,
                });
            }
        }
        _ => {}
    }
    Ok(())
}

/// Runs every job (in output order) on the current Rayon pool, until `stop` is requested.
pub fn generate<F: Float, I: Index>(
    x: ArrayView2<F>,
    jobs: &[Job<'_>],
    random_state: u64,
    stop: &Stop,
) -> Result<Resampled<F, I>> {
    let (n, d) = x.dim();
    let tables = dense_tables::<F, I>(x, jobs, stop)?;
    let total_new = total_rows(jobs);
    // Not zeroed: every row is written below (the originals, then each job's rows).
    let mut out = Array2::<F>::uninit((n + total_new, d));
    copy_rows(x, out.slice_mut(s![..n, ..]));
    let mut provenance = Provenance::new(total_new);
    let synthetic = &mut out.as_slice_mut().expect("a new standard-layout array")[n * d..];
    for (draws, rows) in job_draws(jobs, &tables, random_state, stop) {
        let block = &mut synthetic[rows.start * d..rows.end * d];
        interpolate(x, &draws, block, provenance.part(rows));
    }
    // A stopped run has rows left unwritten: it is dropped uninitialised.
    stop.check()?;
    // SAFETY: rows 0..n hold the copy of X, and `job_draws` gives the jobs' consecutive
    // ranges of synthetic rows, which end at total_new, each written by `interpolate`.
    let out = unsafe { out.assume_init() };
    Ok(provenance.with_rows(out))
}

/// The synthetic rows of one job's chunks `chunks` (the last chunk of the job may be
/// short), with their provenance: exactly the rows `generate` writes there for the
/// same job and seed, since every chunk draws from its own seed. A job's rows can so
/// be made window by window, on as many machines as there are windows. `x` holds the
/// made rows only (no originals).
pub fn generate_window<F: Float, I: Index>(
    x: ArrayView2<F>,
    job: &Job<'_>,
    random_state: u64,
    chunks: Range<usize>,
    stop: &Stop,
) -> Result<Resampled<F, I>> {
    let jobs = std::slice::from_ref(job);
    let tables = dense_tables::<F, I>(x, jobs, stop)?;
    let rows = window_rows(job.draws.total(), chunks.clone())?;
    let mut out = Array2::<F>::uninit((rows.len(), x.ncols()));
    let mut provenance = Provenance::new(rows.len());
    if let Some((draws, _)) = job_draws(jobs, &tables, random_state, stop).next() {
        let block = out.as_slice_mut().expect("a new standard-layout array");
        interpolate(
            x,
            &draws.starting_at(chunks.start),
            block,
            provenance.part(0..rows.len()),
        );
    }
    stop.check()?;
    // SAFETY: `interpolate` wrote each of the window's rows (none when it is empty).
    let out = unsafe { out.assume_init() };
    Ok(provenance.with_rows(out))
}

/// `search_tables` for dense X: the core's exact search among X's rows.
fn dense_tables<F: Float, I: Index>(
    x: ArrayView2<F>,
    jobs: &[Job<'_>],
    stop: &Stop,
) -> Result<Vec<Option<Array2<u32>>>> {
    search_tables::<I>(x.nrows(), x.ncols(), jobs, |job, k| {
        kneighbors_among(x, &job.bases, &job.references, k, stop)
    })
}

/// Checks what every generation checks before any work (X's shape and each job),
/// then finds the neighbour tables the jobs leave to the core with `search(job, k)`
/// (`None` for a job with a given table or no rows to make). Every search finishes,
/// and frees its index, before the caller allocates the output.
pub(crate) fn search_tables<I: Index>(
    n_rows: usize,
    n_cols: usize,
    jobs: &[Job<'_>],
    search: impl Fn(&Job<'_>, usize) -> Result<Array2<u32>>,
) -> Result<Vec<Option<Array2<u32>>>> {
    if n_cols == 0 {
        return Err(Error::NoFeatures);
    }
    if n_rows > I::MAX {
        return Err(Error::ClassTooLarge {
            class: 0,
            n_samples: n_rows,
            max: I::MAX,
        });
    }
    for job in jobs {
        check_job(job, n_rows)?;
    }
    jobs.iter()
        .map(|job| match job.neighbors {
            NeighborTable::Search(k) if job.draws.total() > 0 => {
                search(job, k).map(Some).map_err(|e| e.for_class(job.class))
            }
            _ => Ok(None),
        })
        .collect()
}

/// Synthetic rows over all jobs.
pub(crate) fn total_rows(jobs: &[Job<'_>]) -> usize {
    jobs.iter().map(|job| job.draws.total()).sum()
}

/// How each job that makes rows draws them, with the range of its rows among all
/// synthetic rows (jobs in order, their ranges consecutive); each checks `stop`
/// before every chunk.
pub(crate) fn job_draws<'a, 't, F: Float>(
    jobs: &'a [Job<'t>],
    tables: &'a [Option<Array2<u32>>],
    random_state: u64,
    stop: &'a Stop,
) -> impl Iterator<Item = (JobDraws<'a, F>, Range<usize>)> + use<'a, 't, F> {
    let mut start = 0;
    jobs.iter()
        .zip(tables)
        .filter(|(job, _)| job.draws.total() > 0)
        .map(move |(job, searched)| {
            let partners = match (&job.neighbors, searched) {
                (NeighborTable::Given(table), _) => Partners::Table(table.view()),
                (NeighborTable::Search(_), Some(table)) => Partners::Table(table.view()),
                (NeighborTable::Search(_), None) => unreachable!("searched by search_tables"),
                (NeighborTable::Others, _) => Partners::Others(job.references.len()),
            };
            let draws = JobDraws::new(job, partners, random_state, stop);
            let rows = start..start + draws.total;
            start = rows.end;
            (draws, rows)
        })
}

/// A given neighbour table must have one row per base, at least one column, and only
/// positions inside the references.
fn check_table(table: ArrayView2<u32>, job: &Job<'_>) -> Result<()> {
    if table.nrows() != job.bases.len() {
        return Err(Error::ShapeMismatch {
            what: "a neighbour table",
            got: table.nrows(),
            expected: job.bases.len(),
        });
    }
    if table.ncols() == 0 {
        return Err(Error::InvalidK(0));
    }
    match table.iter().find(|&&j| j as usize >= job.references.len()) {
        Some(&bad) => Err(Error::IndexOutOfRange {
            what: "a neighbour table",
            index: bad as usize,
            len: job.references.len(),
        }),
        None => Ok(()),
    }
}

/// Copies X into the top of the (not yet written) output, in parallel row blocks.
pub(crate) fn copy_rows<F: Float>(x: ArrayView2<F>, mut dst: ArrayViewMut2<MaybeUninit<F>>) {
    dst.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS)
        .into_par_iter()
        .zip(x.axis_chunks_iter(Axis(0), CHUNK_ROWS).into_par_iter())
        .for_each(|(dst, src)| {
            Zip::from(dst).and(src).for_each(|o, &v| {
                o.write(v);
            })
        });
}

/// `rows` of X gathered into one contiguous block, in parallel.
pub(crate) fn gather<F: Float>(
    x: ArrayView2<F>,
    rows: impl IndexedParallelIterator<Item = usize>,
) -> Vec<F> {
    let d = x.ncols();
    let len = rows.len() * d;
    let mut block = Vec::with_capacity(len);
    block.spare_capacity_mut()[..len]
        .par_chunks_mut(d)
        .zip(rows)
        .for_each(|(dst, r)| copy_row(x, r, dst));
    // SAFETY: the `rows.len()` chunks of `d` values cover the first `len` values of the
    // spare capacity, and each chunk has been written with a row.
    unsafe { block.set_len(len) };
    block
}

/// Writes row `r` of X into `dst`: a slice-to-slice copy when the row is contiguous
/// (C-ordered X; several times faster than ndarray's element-wise assign for short rows).
#[inline]
pub(crate) fn copy_row<F: Float>(x: ArrayView2<F>, r: usize, dst: &mut [MaybeUninit<F>]) {
    let row = x.row(r);
    match row.as_slice() {
        Some(src) => dst.iter_mut().zip(src).for_each(|(o, &v)| {
            o.write(v);
        }),
        None => dst.iter_mut().zip(row).for_each(|(o, &v)| {
            o.write(v);
        }),
    }
}

/// Where each synthetic row came from: rows of X and the step (see `Resampled`).
pub(crate) struct Provenance<F, I> {
    pub(crate) base: Vec<I>,
    pub(crate) neighbor: Vec<I>,
    pub(crate) step: Vec<F>,
}

impl<F: Float, I: Index> Provenance<F, I> {
    pub(crate) fn new(n_rows: usize) -> Self {
        Provenance {
            base: vec![I::default(); n_rows],
            neighbor: vec![I::default(); n_rows],
            step: vec![F::zero(); n_rows],
        }
    }

    /// The result: the rows made (`x`) and where each came from.
    pub(crate) fn with_rows(self, x: Array2<F>) -> Resampled<F, I> {
        Resampled {
            x,
            base: self.base,
            neighbor: self.neighbor,
            step: self.step,
        }
    }

    /// The entries of the synthetic rows `rows`.
    pub(crate) fn part(&mut self, rows: Range<usize>) -> ProvenancePart<'_, F, I> {
        ProvenancePart {
            base: &mut self.base[rows.clone()],
            neighbor: &mut self.neighbor[rows.clone()],
            step: &mut self.step[rows],
        }
    }
}

/// The provenance entries of one job's synthetic rows.
pub(crate) struct ProvenancePart<'a, F, I> {
    base: &'a mut [I],
    neighbor: &'a mut [I],
    step: &'a mut [F],
}

/// The neighbours a job can reach, gathered: the bases' block when the references are
/// the bases themselves, otherwise only the references the table uses (Borderline-2's
/// references are all of X), with `slot` mapping a reference position to its row.
struct Reachable<F> {
    rows: Vec<F>,
    slot: Option<Vec<u32>>,
}

impl<F: Float> Reachable<F> {
    fn new(x: ArrayView2<F>, draws: &JobDraws<'_, F>) -> Self {
        if draws.references == draws.bases {
            return Reachable {
                rows: Vec::new(),
                slot: None,
            };
        }
        let Partners::Table(table) = draws.partners else {
            unreachable!("partners among the other bases are the bases")
        };
        let mut slot = vec![u32::MAX; draws.references.len()];
        let mut used = Vec::new();
        for &position in table.iter() {
            let entry = &mut slot[position as usize];
            if *entry == u32::MAX {
                *entry = used.len() as u32;
                used.push(draws.references[position as usize]);
            }
        }
        Reachable {
            rows: gather(x, used.into_par_iter()),
            slot: Some(slot),
        }
    }
}

/// Whether `rows` is `0..n`.
fn is_every_row(rows: &[usize], n: usize) -> bool {
    rows.len() == n && rows.iter().enumerate().all(|(i, &r)| i == r)
}

/// Writes one job's synthetic rows into `out` (row-major, not yet written) and their
/// provenance: each row is `x_base + step * (x_neighbor - x_base)`.
fn interpolate<F: Float, I: Index>(
    x: ArrayView2<F>,
    draws: &JobDraws<'_, F>,
    out: &mut [MaybeUninit<F>],
    provenance: ProvenancePart<'_, F, I>,
) {
    let d = x.ncols();
    // The rows gathered into blocks: the random reads stay in cache, and as slices the
    // inner loop compiles to vector instructions. Bases that are every row of a
    // C-ordered X, in order (a class gathered beforehand), are read where they are.
    let bases = match x.as_slice() {
        Some(all) if is_every_row(draws.bases, x.nrows()) => Cow::Borrowed(all),
        _ => Cow::Owned(gather(x, draws.bases.par_iter().copied())),
    };
    let reachable = Reachable::new(x, draws);
    let base_row = |b: usize| &bases[b * d..(b + 1) * d];
    let neighbor_row = |position: usize| match &reachable.slot {
        None => &bases[position * d..(position + 1) * d],
        Some(slot) => {
            let at = slot[position] as usize;
            &reachable.rows[at * d..(at + 1) * d]
        }
    };
    draws.run(
        provenance,
        out.par_chunks_mut(CHUNK_ROWS * d),
        |rows, drawn| {
            for (i, (row, draw)) in rows.chunks_exact_mut(d).zip(drawn).enumerate() {
                // The rows read a few draws on are asked for now: on a class larger
                // than the caches, each is a miss that would stall its row.
                if let Some(ahead) = drawn.get(i + PREFETCH_DRAWS_AHEAD) {
                    prefetch(base_row(ahead.base));
                    prefetch(neighbor_row(ahead.neighbor));
                }
                let (base, neighbor) = (base_row(draw.base), neighbor_row(draw.neighbor));
                // The plain formula, in vector instructions; the rare row it takes out
                // of range (values near the type's limit) again, value by value, safely.
                let mut finite = true;
                for ((o, &a), &c) in row.iter_mut().zip(base).zip(neighbor) {
                    let v = a + draw.step * (c - a);
                    finite &= v.is_finite();
                    o.write(v);
                }
                if !finite {
                    for ((o, &a), &c) in row.iter_mut().zip(base).zip(neighbor) {
                        o.write(interpolate_value(a, c, draw.step));
                    }
                }
            }
        },
    );
}

/// How many draws ahead `interpolate` (and the bootstrap's copies) ask for the rows
/// they will read: enough to cover a memory access while the rows between are written.
pub(crate) const PREFETCH_DRAWS_AHEAD: usize = 8;

/// One synthetic row as drawn: its base (a position among the job's bases), its
/// neighbour (a position among the job's references) and its step.
pub(crate) struct Draw<F> {
    pub(crate) base: usize,
    pub(crate) neighbor: usize,
    pub(crate) step: F,
}

/// How one job draws its rows: the one definition of which rows a seed makes, shared
/// by the dense and the sparse writers so that both make the same rows.
///
/// Chunk `c` of `CHUNK_ROWS` rows draws from its own generator, seeded with
/// `chunk_seed(random_state, stream(class, part), c)`. Row by row: a base and a
/// neighbour column (one draw over all pairs, or the base fixed by `PerBase` and one
/// draw for the column), then the step, then for a damped neighbour its damping.
pub(crate) struct JobDraws<'a, F> {
    /// The job's base rows and reference rows.
    pub(crate) bases: &'a [usize],
    pub(crate) references: &'a [usize],
    partners: Partners<'a>,
    damped: Option<&'a [bool]>,
    seed_stream: u64,
    /// For `PerBase`, the first row of each base (and the total at the end); empty
    /// for `Pairs`.
    first_row: Vec<usize>,
    scale: F,
    random_state: u64,
    total: usize,
    /// The chunk `run` starts at (its outputs are this chunk's and the following).
    first_chunk: usize,
    /// Checked before each chunk: a stopped run leaves the remaining chunks unwritten.
    stop: &'a Stop,
}

impl<'a, F: Float> JobDraws<'a, F> {
    fn new(job: &'a Job<'_>, partners: Partners<'a>, random_state: u64, stop: &'a Stop) -> Self {
        let first_row = match &job.draws {
            Draws::Pairs(_) => Vec::new(),
            Draws::PerBase(counts) => std::iter::once(0)
                .chain(counts.iter().scan(0, |sum, &c| {
                    *sum += c;
                    Some(*sum)
                }))
                .collect(),
        };
        JobDraws {
            bases: &job.bases,
            references: &job.references,
            partners,
            damped: job.damped.as_deref(),
            seed_stream: stream(job.class, job.part),
            first_row,
            scale: F::from(job.step_scale).expect("a finite step scale"),
            random_state,
            total: job.draws.total(),
            first_chunk: 0,
            stop,
        }
    }

    /// The same draws, with `run` starting at chunk `chunk` (a window of the job).
    pub(crate) fn starting_at(self, chunk: usize) -> Self {
        JobDraws {
            first_chunk: chunk,
            ..self
        }
    }

    /// The draws of chunk `chunk`, in row order.
    fn chunk(&self, chunk: usize) -> ChunkDraws<'_, 'a, F> {
        let first = chunk * CHUNK_ROWS;
        let seed = chunk_seed(self.random_state, self.seed_stream, chunk as u64);
        ChunkDraws {
            draws: self,
            rng: Rng::new(seed),
            row: first,
            end: self.total.min(first + CHUNK_ROWS),
            // The base of the chunk's first row, for `PerBase`.
            base: self
                .first_row
                .partition_point(|&f| f <= first)
                .saturating_sub(1),
        }
    }

    /// Draws every row from the first chunk on, chunks in parallel, and records each
    /// row's provenance; hands `write(output, draws)` the rest, with `output` the
    /// chunk's item of `outputs` (one per chunk) and `draws` the chunk's rows in order,
    /// all drawn first, so that the writer can ask for the rows it reads ahead of use.
    pub(crate) fn run<I: Index, T: Send>(
        &self,
        provenance: ProvenancePart<'_, F, I>,
        outputs: impl IndexedParallelIterator<Item = T>,
        write: impl Fn(&mut T, &[Draw<F>]) + Sync,
    ) {
        outputs
            .zip(provenance.base.par_chunks_mut(CHUNK_ROWS))
            .zip(provenance.neighbor.par_chunks_mut(CHUNK_ROWS))
            .zip(provenance.step.par_chunks_mut(CHUNK_ROWS))
            .enumerate()
            .for_each_init(
                || Vec::with_capacity(CHUNK_ROWS),
                |drawn, (chunk, (((mut output, bases), neighbors), steps))| {
                    if self.stop.requested() {
                        return;
                    }
                    drawn.clear();
                    drawn.extend(self.chunk(self.first_chunk + chunk));
                    write(&mut output, drawn);
                    let provenance = bases.iter_mut().zip(neighbors).zip(steps);
                    for (((base, neighbor), step), draw) in provenance.zip(drawn.iter()) {
                        *base = I::from_usize(self.bases[draw.base]);
                        *neighbor = I::from_usize(self.references[draw.neighbor]);
                        *step = draw.step;
                    }
                },
            );
    }
}

/// Where a job's draws find a base's partners.
#[derive(Clone, Copy)]
enum Partners<'a> {
    /// Row `i` lists base `i`'s neighbours as positions into the references.
    Table(ArrayView2<'a, u32>),
    /// Every other of this many bases (which are the references).
    Others(usize),
}

impl Partners<'_> {
    /// The columns a base's partner is drawn from.
    #[inline]
    fn columns(&self) -> usize {
        match self {
            Partners::Table(table) => table.ncols(),
            Partners::Others(n) => n - 1,
        }
    }

    /// Base `base`'s partner in column `column`, as a position into the references.
    #[inline]
    fn partner(&self, base: usize, column: usize) -> usize {
        match self {
            Partners::Table(table) => table[[base, column]] as usize,
            // The columns skip the base itself.
            Partners::Others(_) => column + usize::from(column >= base),
        }
    }
}

/// The draws of one chunk of a job (see `JobDraws`).
struct ChunkDraws<'d, 'a, F> {
    draws: &'d JobDraws<'a, F>,
    rng: Rng,
    /// The next row, counted over the whole job.
    row: usize,
    end: usize,
    base: usize,
}

impl<F: Float> Iterator for ChunkDraws<'_, '_, F> {
    type Item = Draw<F>;

    #[inline]
    fn next(&mut self) -> Option<Draw<F>> {
        if self.row == self.end {
            return None;
        }
        let draws = self.draws;
        let k = draws.partners.columns();
        let column = if draws.first_row.is_empty() {
            let pair = self.rng.below(draws.bases.len() * k);
            self.base = pair / k;
            pair % k
        } else {
            while draws.first_row[self.base + 1] <= self.row {
                self.base += 1;
            }
            self.rng.below(k)
        };
        let neighbor = draws.partners.partner(self.base, column);
        let mut step = draws.scale * F::unit_from_bits(self.rng.next_u64());
        if draws.damped.is_some_and(|damped| damped[neighbor]) {
            let half = F::from(0.5).expect("0.5 is representable");
            step = step * half * F::unit_from_bits(self.rng.next_u64());
        }
        self.row += 1;
        Some(Draw {
            base: self.base,
            neighbor,
            step,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::parallel::run_with_threads;
    use crate::rng::Rng;
    use crate::stop::Stop;

    fn data(n: usize, d: usize, seed: u64) -> Array2<f64> {
        let mut rng = Rng::new(seed);
        Array2::from_shape_simple_fn((n, d), || f64::unit_from_bits(rng.next_u64()) * 10.0 - 5.0)
    }

    /// One class to oversample with SMOTE.
    struct ClassPlan {
        class: usize,
        rows: Vec<usize>,
        n_new: usize,
    }

    /// SMOTE's jobs: each class's rows are both bases and references.
    fn smote_jobs(plans: &[ClassPlan], k: usize) -> Vec<Job<'static>> {
        plans
            .iter()
            .map(|plan| Job {
                class: plan.class,
                part: 0,
                bases: plan.rows.clone(),
                references: plan.rows.clone(),
                neighbors: NeighborTable::Search(k),
                draws: Draws::Pairs(plan.n_new),
                step_scale: 1.0,
                damped: None,
            })
            .collect()
    }

    fn smote<F: Float, I: Index>(
        x: ArrayView2<F>,
        plans: &[ClassPlan],
        k: usize,
        random_state: u64,
    ) -> Result<Resampled<F, I>> {
        generate(x, &smote_jobs(plans, k), random_state, Stop::never())
    }

    /// Three classes: codes 0 (majority), 1 and 2.
    fn plans(n: usize) -> Vec<ClassPlan> {
        let codes: Vec<i64> = (0..n)
            .map(|i| {
                if i % 10 == 0 {
                    1
                } else if i % 10 == 1 {
                    2
                } else {
                    0
                }
            })
            .collect();
        let rows_of = |class: i64| (0..n).filter(|&i| codes[i] == class).collect::<Vec<_>>();
        vec![
            ClassPlan {
                class: 1,
                rows: rows_of(1),
                n_new: 3000,
            },
            ClassPlan {
                class: 2,
                rows: rows_of(2),
                n_new: 2500,
            },
        ]
    }

    #[test]
    fn originals_come_first_and_each_synthetic_row_lies_on_its_segment() {
        for d in [3, 20] {
            let x = data(1000, d, 1);
            let plans = plans(1000);
            let k = 5;
            let res = smote::<_, i64>(x.view(), &plans, k, 7).unwrap();
            assert_eq!(res.x.dim(), (1000 + 5500, d));
            assert_eq!(res.x.slice(s![..1000, ..]), x);
            let mut start = 1000;
            for plan in &plans {
                let table =
                    crate::neighbors::kneighbors(x.view(), &plan.rows, k, Stop::never()).unwrap();
                for i in 0..plan.n_new {
                    let (b, nb, t) = (
                        res.base[start - 1000 + i],
                        res.neighbor[start - 1000 + i],
                        res.step[start - 1000 + i],
                    );
                    let (b, nb) = (b as usize, nb as usize);
                    assert!((0.0..1.0).contains(&t));
                    assert!(plan.rows.contains(&b) && plan.rows.contains(&nb));
                    let local = plan.rows.iter().position(|&r| r == b).unwrap();
                    let local_nb = plan.rows.iter().position(|&r| r == nb).unwrap() as u32;
                    assert!(
                        table.row(local).iter().any(|&j| j == local_nb),
                        "neighbour not among the k nearest"
                    );
                    for j in 0..d {
                        let want = x[[b, j]] + t * (x[[nb, j]] - x[[b, j]]);
                        assert_eq!(res.x[[start + i, j]], want);
                        let (lo, hi) = (x[[b, j]].min(x[[nb, j]]), x[[b, j]].max(x[[nb, j]]));
                        assert!(lo <= want && want <= hi);
                    }
                }
                start += plan.n_new;
            }
        }
    }

    #[test]
    fn output_is_identical_for_any_number_of_threads() {
        let x = data(5000, 6, 2);
        let plans = plans(5000);
        let run = |threads| {
            run_with_threads(threads, || {
                smote::<_, i64>(x.view(), &plans, 5, 123).unwrap()
            })
            .unwrap()
        };
        let one = run(Some(1));
        for threads in [Some(2), Some(3), None] {
            let other = run(threads);
            assert_eq!(one.x, other.x);
            assert_eq!(one.base, other.base);
            assert_eq!(one.step, other.step);
        }
        let reseeded = run(Some(1));
        assert_eq!(one.x, reseeded.x);
        let different_seed = run_with_threads(Some(1), || {
            smote::<_, i64>(x.view(), &plans, 5, 124).unwrap()
        })
        .unwrap();
        assert_ne!(one.x, different_seed.x);
    }

    #[test]
    fn draws_cover_every_base_and_neighbour_uniformly() {
        // 4 samples on a line, k = 3: 12 (base, neighbour) pairs, each drawn ~1/12 of the time.
        let x = ndarray::array![[0.0], [1.0], [3.0], [7.0], [100.0]];
        let plan = ClassPlan {
            class: 0,
            rows: vec![0, 1, 2, 3],
            n_new: 120_000,
        };
        let res = smote::<_, i64>(x.view(), &[plan], 3, 5).unwrap();
        let mut counts = [[0usize; 4]; 4];
        for (&b, &nb) in res.base.iter().zip(&res.neighbor) {
            counts[b as usize][nb as usize] += 1;
        }
        for (b, row) in counts.iter().enumerate() {
            for (nb, &c) in row.iter().enumerate() {
                if b == nb {
                    assert_eq!(c, 0);
                } else {
                    // Expect 10_000, 5 sigma is about 480.
                    assert!((9_500..10_500).contains(&c), "{counts:?}");
                }
            }
        }
        let mean_step = res.step.iter().sum::<f64>() / res.step.len() as f64;
        assert!((mean_step - 0.5).abs() < 0.005, "{mean_step}");
    }

    /// A job of class 0 with unit steps (the sparse writer's tests share it).
    pub(crate) fn job(
        bases: Vec<usize>,
        references: Vec<usize>,
        neighbors: NeighborTable<'_>,
        draws: Draws,
    ) -> Job<'_> {
        Job {
            class: 0,
            part: 0,
            bases,
            references,
            neighbors,
            draws,
            step_scale: 1.0,
            damped: None,
        }
    }

    #[test]
    fn given_tables_are_used_and_checked() {
        let x = data(50, 2, 3);
        let rows: Vec<usize> = (0..10).collect();
        // Every sample's only neighbour is sample 0 of the class (row 0).
        let table = Array2::<u32>::zeros((10, 1));
        let given = |table| {
            vec![job(
                rows.clone(),
                rows.clone(),
                NeighborTable::Given(table),
                Draws::Pairs(200),
            )]
        };
        let res = generate::<_, i64>(x.view(), &given(table.view()), 1, Stop::never()).unwrap();
        assert!(res.neighbor.iter().all(|&nb| nb == 0));

        let short = Array2::<u32>::zeros((9, 1));
        assert!(matches!(
            generate::<_, i64>(x.view(), &given(short.view()), 1, Stop::never()),
            Err(Error::ShapeMismatch { .. })
        ));
        let outside = Array2::<u32>::from_elem((10, 1), 10);
        assert!(matches!(
            generate::<_, i64>(x.view(), &given(outside.view()), 1, Stop::never()),
            Err(Error::IndexOutOfRange { index: 10, .. })
        ));
        let empty = Array2::<u32>::zeros((10, 0));
        assert_eq!(
            generate::<_, i64>(x.view(), &given(empty.view()), 1, Stop::never()).unwrap_err(),
            Error::InvalidK(0)
        );
    }

    #[test]
    fn partners_among_the_other_bases_are_drawn_uniformly_and_checked() {
        // 5 bases, scattered rows: every ordered pair of different bases ~1/20 of draws,
        // for a total and for counts per base, and the same rows for any thread count.
        let x = data(30, 2, 4);
        let rows = vec![3, 9, 14, 20, 27];
        let others = |draws| {
            vec![job(
                rows.clone(),
                rows.clone(),
                NeighborTable::Others,
                draws,
            )]
        };
        let res =
            generate::<_, i32>(x.view(), &others(Draws::Pairs(100_000)), 6, Stop::never()).unwrap();
        let at = |r: i32| rows.iter().position(|&q| q == r as usize).unwrap();
        let mut counts = [[0usize; 5]; 5];
        for (i, (&b, &nb)) in res.base.iter().zip(&res.neighbor).enumerate() {
            counts[at(b)][at(nb)] += 1;
            let t = res.step[i];
            for j in 0..2 {
                let (a, c) = (x[[b as usize, j]], x[[nb as usize, j]]);
                assert_eq!(res.x[[30 + i, j]], a + t * (c - a));
            }
        }
        for (b, row) in counts.iter().enumerate() {
            for (nb, &c) in row.iter().enumerate() {
                if b == nb {
                    assert_eq!(c, 0, "a base is never its own partner");
                } else {
                    // Expect 5_000; 5 sigma is about 350.
                    assert!((4_650..5_350).contains(&c), "{counts:?}");
                }
            }
        }
        let per_base = others(Draws::PerBase(vec![4000, 0, 4000, 4000, 4000]));
        let res = generate::<_, i32>(x.view(), &per_base, 6, Stop::never()).unwrap();
        let mut partners = [[0usize; 5]; 5];
        for (&b, &nb) in res.base.iter().zip(&res.neighbor) {
            partners[at(b)][at(nb)] += 1;
        }
        for b in [0, 2, 3, 4] {
            assert_eq!(partners[b][b], 0);
            // Expect 1_000 per other base; 5 sigma is about 140.
            assert!((0..5)
                .filter(|&nb| nb != b)
                .all(|nb| (860..1140).contains(&partners[b][nb])));
        }
        let one_thread = run_with_threads(Some(1), || {
            generate::<_, i32>(x.view(), &per_base, 6, Stop::never())
        })
        .unwrap()
        .unwrap();
        assert_eq!(one_thread.x, res.x);

        let elsewhere = [job(
            rows.clone(),
            vec![0, 1, 2, 3, 4],
            NeighborTable::Others,
            Draws::Pairs(3),
        )];
        assert!(matches!(
            generate::<_, i32>(x.view(), &elsewhere, 1, Stop::never()),
            Err(Error::InvalidJob(_))
        ));
        let alone = [job(
            vec![3],
            vec![3],
            NeighborTable::Others,
            Draws::Pairs(3),
        )];
        assert!(matches!(
            generate::<_, i32>(x.view(), &alone, 1, Stop::never()),
            Err(Error::ShapeMismatch {
                got: 1,
                expected: 2,
                ..
            })
        ));
        let nothing = [job(
            vec![3],
            vec![3],
            NeighborTable::Others,
            Draws::Pairs(0),
        )];
        assert_eq!(
            generate::<_, i32>(x.view(), &nothing, 1, Stop::never())
                .unwrap()
                .x
                .nrows(),
            30
        );
    }

    #[test]
    fn bases_can_be_a_subset_searched_against_other_references() {
        // Borderline-SMOTE's shape: bases are some rows, neighbours come from all of X.
        let x = data(400, 3, 10);
        let bases: Vec<usize> = (0..400).step_by(7).collect();
        let references: Vec<usize> = (0..400).collect();
        let jobs = [job(
            bases.clone(),
            references.clone(),
            NeighborTable::Search(4),
            Draws::Pairs(3000),
        )];
        let res = generate::<_, i32>(x.view(), &jobs, 3, Stop::never()).unwrap();
        let table = kneighbors_among(x.view(), &bases, &references, 4, Stop::never()).unwrap();
        for i in 0..3000 {
            let (b, nb, t) = (res.base[i] as usize, res.neighbor[i] as usize, res.step[i]);
            let local = bases
                .iter()
                .position(|&r| r == b)
                .expect("base among the bases");
            assert!(
                table.row(local).iter().any(|&p| p as usize == nb),
                "not a neighbour"
            );
            assert_ne!(b, nb);
            for j in 0..3 {
                assert_eq!(
                    res.x[[400 + i, j]],
                    x[[b, j]] + t * (x[[nb, j]] - x[[b, j]])
                );
            }
        }
    }

    #[test]
    fn per_base_counts_are_exact_and_in_base_order() {
        let x = data(300, 2, 11);
        let rows: Vec<usize> = (100..300).collect();
        // Uneven counts, zeros included, spanning several chunks.
        let counts: Vec<usize> = (0..200).map(|i| (i * 7) % 23).collect();
        let total: usize = counts.iter().sum();
        assert!(total > 2 * CHUNK_ROWS);
        let jobs = [job(
            rows.clone(),
            rows.clone(),
            NeighborTable::Search(3),
            Draws::PerBase(counts.clone()),
        )];
        let res = generate::<_, i32>(x.view(), &jobs, 8, Stop::never()).unwrap();
        assert_eq!(res.x.nrows(), 300 + total);
        let expected: Vec<i32> = rows
            .iter()
            .zip(&counts)
            .flat_map(|(&r, &c)| std::iter::repeat_n(r as i32, c))
            .collect();
        assert_eq!(res.base, expected);
        let one_thread = run_with_threads(Some(1), || {
            generate::<_, i32>(x.view(), &jobs, 8, Stop::never())
        })
        .unwrap()
        .unwrap();
        assert_eq!(one_thread.x, res.x);
    }

    #[test]
    fn a_negative_scale_extrapolates_away_from_the_neighbour() {
        let x = data(200, 2, 12);
        let rows: Vec<usize> = (0..200).collect();
        let mut away = job(
            rows.clone(),
            rows,
            NeighborTable::Search(3),
            Draws::Pairs(2000),
        );
        away.step_scale = -0.5;
        let res = generate::<_, i32>(x.view(), &[away], 4, Stop::never()).unwrap();
        assert!(res.step.iter().all(|&t| (-0.5..=0.0).contains(&t)));
        assert!(res.step.iter().any(|&t| t < -0.4));
        for i in 0..2000 {
            let (b, nb, t) = (res.base[i] as usize, res.neighbor[i] as usize, res.step[i]);
            for j in 0..2 {
                assert_eq!(
                    res.x[[200 + i, j]],
                    x[[b, j]] + t * (x[[nb, j]] - x[[b, j]])
                );
            }
        }
    }

    #[test]
    fn damped_references_get_steps_below_one_half() {
        let x = data(300, 2, 13);
        let rows: Vec<usize> = (0..300).collect();
        let damped: Vec<bool> = rows.iter().map(|r| r % 2 == 1).collect();
        let mut mixed = job(
            rows.clone(),
            rows,
            NeighborTable::Search(5),
            Draws::Pairs(20_000),
        );
        mixed.damped = Some(damped);
        let res = generate::<_, i32>(x.view(), &[mixed], 5, Stop::never()).unwrap();
        let (mut odd, mut even) = (Vec::new(), Vec::new());
        for (&nb, &t) in res.neighbor.iter().zip(&res.step) {
            if nb % 2 == 1 {
                odd.push(t)
            } else {
                even.push(t)
            }
        }
        assert!(odd.iter().all(|&t| (0.0..0.5).contains(&t)));
        // The product of U[0, 1) and U[0, 0.5) has mean 1/8; undamped steps 1/2.
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&odd) - 0.125).abs() < 0.01, "{}", mean(&odd));
        assert!((mean(&even) - 0.5).abs() < 0.02, "{}", mean(&even));
    }

    #[test]
    fn parts_of_a_class_draw_from_different_streams() {
        let x = data(100, 2, 14);
        let rows: Vec<usize> = (0..100).collect();
        let first = job(
            rows.clone(),
            rows.clone(),
            NeighborTable::Search(3),
            Draws::Pairs(50),
        );
        let mut second = job(
            rows.clone(),
            rows,
            NeighborTable::Search(3),
            Draws::Pairs(50),
        );
        second.part = 1;
        let res = generate::<_, i32>(x.view(), &[first, second], 6, Stop::never()).unwrap();
        assert_ne!(res.step[..50], res.step[50..]);
    }

    /// A job's rows made window by window: the windows' rows, concatenated.
    fn by_windows(
        x: ArrayView2<f64>,
        job: &Job<'_>,
        seed: u64,
        widths: &[usize],
    ) -> Resampled<f64, i64> {
        let n_chunks = crate::rng::all_chunks(job.draws.total()).end;
        let (mut rows, mut base, mut neighbor, mut step) = (Vec::new(), vec![], vec![], vec![]);
        let mut start = 0;
        for &width in widths.iter().cycle() {
            if start == n_chunks {
                break;
            }
            let end = n_chunks.min(start + width);
            let window =
                generate_window::<_, i64>(x, job, seed, start..end, Stop::never()).unwrap();
            assert_eq!(window.x.nrows(), window.step.len());
            rows.push(window.x);
            base.extend(window.base);
            neighbor.extend(window.neighbor);
            step.extend(window.step);
            start = end;
        }
        let views: Vec<_> = rows.iter().map(|r| r.view()).collect();
        Resampled {
            x: ndarray::concatenate(Axis(0), &views).unwrap(),
            base,
            neighbor,
            step,
        }
    }

    #[test]
    fn windows_make_exactly_the_rows_of_the_whole_job() {
        let x = data(2000, 3, 20);
        let rows: Vec<usize> = (0..2000).step_by(3).collect();
        let counts: Vec<usize> = (0..rows.len()).map(|i| (i * 5) % 11).collect();
        let mut damped = job(
            rows.clone(),
            (0..2000).collect(),
            NeighborTable::Search(4),
            Draws::Pairs(5 * CHUNK_ROWS + 17),
        );
        damped.damped = Some((0..2000).map(|r| r % 3 != 0).collect());
        let mut scaled = job(
            rows.clone(),
            rows.clone(),
            NeighborTable::Search(3),
            Draws::PerBase(counts),
        );
        (scaled.class, scaled.part, scaled.step_scale) = (4, 1, -0.5);
        for one in [damped, scaled] {
            let whole = generate::<_, i64>(x.view(), std::slice::from_ref(&one), 11, Stop::never())
                .unwrap();
            for widths in [&[1][..], &[2, 3], &[100]] {
                let windows = by_windows(x.view(), &one, 11, widths);
                assert_eq!(windows.x, whole.x.slice(s![2000.., ..]));
                assert_eq!(windows.base, whole.base);
                assert_eq!(windows.neighbor, whole.neighbor);
                assert_eq!(windows.step, whole.step);
            }
        }
    }

    #[test]
    fn a_gathered_class_makes_the_rows_of_the_class_in_place() {
        // What a distributed run does: the class's rows gathered into their own array,
        // searched and made there, window by window, give the rows made in X.
        let x = data(3000, 5, 21);
        let class: Vec<usize> = (0..3000).filter(|r| r % 7 == 2).collect();
        let whole = smote::<_, i64>(
            x.view(),
            &[ClassPlan {
                class: 2,
                rows: class.clone(),
                n_new: 3 * CHUNK_ROWS + 5,
            }],
            5,
            3,
        )
        .unwrap();
        let gathered = x.select(Axis(0), &class);
        let positions: Vec<usize> = (0..class.len()).collect();
        let table =
            kneighbors_among(gathered.view(), &positions, &positions, 5, Stop::never()).unwrap();
        let mut own = job(
            positions.clone(),
            positions,
            NeighborTable::Given(table.view()),
            Draws::Pairs(3 * CHUNK_ROWS + 5),
        );
        own.class = 2;
        let windows = by_windows(gathered.view(), &own, 3, &[2]);
        assert_eq!(windows.x, whole.x.slice(s![3000.., ..]));
        let rows_of = |positions: &[i64]| -> Vec<i64> {
            positions
                .iter()
                .map(|&p| class[p as usize] as i64)
                .collect()
        };
        assert_eq!(rows_of(&windows.base), whole.base);
        assert_eq!(rows_of(&windows.neighbor), whole.neighbor);
        assert_eq!(windows.step, whole.step);
    }

    #[test]
    fn a_window_must_lie_within_the_job() {
        let x = data(100, 2, 22);
        let rows: Vec<usize> = (0..100).collect();
        let one = job(
            rows.clone(),
            rows,
            NeighborTable::Search(3),
            Draws::Pairs(CHUNK_ROWS + 1),
        );
        assert_eq!(
            generate_window::<_, i32>(x.view(), &one, 0, 1..2, Stop::never())
                .unwrap()
                .x
                .nrows(),
            1
        );
        assert_eq!(
            generate_window::<_, i32>(x.view(), &one, 0, 2..2, Stop::never())
                .unwrap()
                .x
                .nrows(),
            0
        );
        for outside in [1..3, 3..3] {
            assert!(matches!(
                generate_window::<_, i32>(x.view(), &one, 0, outside, Stop::never()),
                Err(Error::IndexOutOfRange { len: 2, .. })
            ));
        }
    }

    #[test]
    fn job_shapes_are_checked() {
        let x = data(30, 2, 15);
        let rows: Vec<usize> = (0..10).collect();
        let bad_counts = job(
            rows.clone(),
            rows.clone(),
            NeighborTable::Search(2),
            Draws::PerBase(vec![1; 9]),
        );
        assert!(matches!(
            generate::<_, i32>(x.view(), &[bad_counts], 0, Stop::never()),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut bad_mask = job(
            rows.clone(),
            rows.clone(),
            NeighborTable::Search(2),
            Draws::Pairs(3),
        );
        bad_mask.damped = Some(vec![false; 3]);
        assert!(matches!(
            generate::<_, i32>(x.view(), &[bad_mask], 0, Stop::never()),
            Err(Error::ShapeMismatch { .. })
        ));
        let no_bases = job(
            Vec::new(),
            rows.clone(),
            NeighborTable::Search(2),
            Draws::Pairs(3),
        );
        assert!(matches!(
            generate::<_, i32>(x.view(), &[no_bases], 0, Stop::never()),
            Err(Error::ShapeMismatch { .. })
        ));
        let outside = job(vec![0, 30], rows, NeighborTable::Search(2), Draws::Pairs(3));
        assert!(matches!(
            generate::<_, i32>(x.view(), &[outside], 0, Stop::never()),
            Err(Error::IndexOutOfRange { index: 30, .. })
        ));
    }

    #[test]
    fn a_small_class_names_itself_in_the_error() {
        let x = data(20, 2, 4);
        let plan = ClassPlan {
            class: 3,
            rows: vec![0, 1, 2],
            n_new: 5,
        };
        assert_eq!(
            smote::<_, i64>(x.view(), &[plan], 5, 0).unwrap_err(),
            Error::TooFewSamples {
                class: 3,
                n_samples: 3,
                k: 5
            }
        );
    }

    #[test]
    fn float32_stays_float32_on_the_segment() {
        let x = data(300, 4, 5).mapv(|v| v as f32);
        let plan = ClassPlan {
            class: 0,
            rows: (0..300).collect(),
            n_new: 500,
        };
        let res = smote::<_, i64>(x.view(), &[plan], 4, 9).unwrap();
        for i in 0..500 {
            let (b, nb, t) = (res.base[i] as usize, res.neighbor[i] as usize, res.step[i]);
            for j in 0..4 {
                assert_eq!(
                    res.x[[300 + i, j]],
                    x[[b, j]] + t * (x[[nb, j]] - x[[b, j]])
                );
            }
        }
    }

    #[test]
    fn narrow_and_wide_indices_agree_and_rows_are_checked() {
        let x = data(100, 3, 6);
        let plan = ClassPlan {
            class: 0,
            rows: (0..40).collect(),
            n_new: 300,
        };
        let narrow = smote::<_, i32>(x.view(), std::slice::from_ref(&plan), 3, 2).unwrap();
        let wide = smote::<_, i64>(x.view(), std::slice::from_ref(&plan), 3, 2).unwrap();
        assert_eq!(narrow.x, wide.x);
        assert!(narrow
            .base
            .iter()
            .zip(&wide.base)
            .all(|(&a, &b)| i64::from(a) == b));
        let outside = ClassPlan {
            class: 0,
            rows: vec![0, 1, 100],
            n_new: 1,
        };
        assert!(matches!(
            smote::<_, i32>(x.view(), &[outside], 1, 0),
            Err(Error::IndexOutOfRange { index: 100, .. })
        ));
    }

    #[test]
    fn any_memory_layout_gives_the_same_rows() {
        let x = data(200, 4, 8);
        let fortran = x.t().as_standard_layout().into_owned().reversed_axes();
        assert!(!fortran.is_standard_layout());
        let plan = ClassPlan {
            class: 0,
            rows: (0..50).collect(),
            n_new: 100,
        };
        let run =
            |x: ArrayView2<f64>| smote::<_, i32>(x, std::slice::from_ref(&plan), 3, 4).unwrap();
        assert_eq!(run(x.view()).x, run(fortran.view()).x);
    }
}
