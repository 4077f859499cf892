//! The lists every exhaustive scan keeps per query: the top k, or all within a bar.

use crate::float::Float;

/// The `k` best (distance, index) pairs seen so far, kept sorted by distance, then
/// index: among equal distances the lowest index wins, and the result depends neither
/// on how the work was split nor on the order candidates arrive in.
#[derive(Clone)]
pub(crate) struct Nearest<F> {
    pub(super) dist: Vec<F>,
    pub(crate) index: Vec<u32>,
    k: usize,
    /// The k-th best distance, the cap until `k` are held (infinite unless `capped`):
    /// the bar a candidate must beat.
    worst: F,
}

impl<F: Float> Nearest<F> {
    pub(crate) fn new(k: usize) -> Self {
        Nearest {
            dist: Vec::with_capacity(k),
            index: Vec::with_capacity(k),
            k,
            worst: F::infinity(),
        }
    }

    /// A list that takes only what beats `cap` as well: a scan's bar starts there
    /// instead of at infinity (see `Search::bounds`).
    pub(crate) fn capped(k: usize, cap: F) -> Self {
        Nearest {
            worst: cap,
            ..Nearest::new(k)
        }
    }

    /// The bar: the k-th best distance once `k` are held, else the cap (infinite for an
    /// uncapped list).
    #[inline]
    pub(crate) fn worst(&self) -> F {
        self.worst
    }

    /// Takes `(dist, index)` if it beats the k-th best so far in the order of
    /// distance, then index: whatever order candidates come in, the same k win.
    #[inline]
    pub(crate) fn offer(&mut self, dist: F, index: u32) {
        let full = self.dist.len() == self.k;
        let beats =
            dist < self.worst || (full && dist == self.worst && index < self.index[self.k - 1]);
        if !beats {
            return;
        }
        // Replace the worst (or append), then sift toward the front past larger ones.
        let mut at = self.dist.len();
        if at < self.k {
            self.dist.push(dist);
            self.index.push(index);
        } else {
            at -= 1;
            self.dist[at] = dist;
            self.index[at] = index;
        }
        while at > 0
            && (self.dist[at - 1] > dist
                || (self.dist[at - 1] == dist && self.index[at - 1] > index))
        {
            self.dist.swap(at - 1, at);
            self.index.swap(at - 1, at);
            at -= 1;
        }
        if self.dist.len() == self.k {
            self.worst = self.dist[self.k - 1];
        }
    }

    /// Maps every index through `renumber` (a one-to-one map), and sorts the equal
    /// distances by their new indices again.
    pub(crate) fn renumber(&mut self, renumber: impl Fn(u32) -> u32) {
        for index in &mut self.index {
            *index = renumber(*index);
        }
        // An insertion sort: a few entries, equal distances next to each other already.
        for at in 1..self.index.len() {
            let mut j = at;
            while j > 0 && self.dist[j - 1] == self.dist[j] && self.index[j - 1] > self.index[j] {
                self.dist.swap(j - 1, j);
                self.index.swap(j - 1, j);
                j -= 1;
            }
        }
    }
}

/// What a scan hands a query's references to: a reference whose key reaches the bar
/// (`key <= bar`) is offered.
pub(crate) trait Collect<F> {
    fn bar(&self) -> F;
    fn offer(&mut self, key: F, index: u32);
}

impl<F: Float> Collect<F> for Nearest<F> {
    #[inline]
    fn bar(&self) -> F {
        self.worst
    }

    #[inline]
    fn offer(&mut self, key: F, index: u32) {
        Nearest::offer(self, key, index);
    }
}

/// Every index whose key reaches a fixed bar, in the order offered.
pub(crate) struct Within<F> {
    bar: F,
    pub(crate) index: Vec<u32>,
}

impl<F> Within<F> {
    pub(crate) fn new(bar: F) -> Self {
        Within {
            bar,
            index: Vec::new(),
        }
    }
}

impl<F: Float> Collect<F> for Within<F> {
    #[inline]
    fn bar(&self) -> F {
        self.bar
    }

    #[inline]
    fn offer(&mut self, key: F, index: u32) {
        if key <= self.bar {
            self.index.push(index);
        }
    }
}

/// The least of 16 values, as a tree of pairwise minimums that compiles to a few
/// vector instructions.
#[inline]
pub(crate) fn least_of_16<F: Float>(v: &[F; 16]) -> F {
    let lesser = |a: F, b: F| if a < b { a } else { b };
    let m8: [F; 8] = std::array::from_fn(|j| lesser(v[j], v[j + 8]));
    let m4: [F; 4] = std::array::from_fn(|j| lesser(m8[j], m8[j + 4]));
    lesser(lesser(m4[0], m4[2]), lesser(m4[1], m4[3]))
}

#[cfg(test)]
mod tests {
    use super::Nearest;

    #[test]
    fn renumbered_lists_keep_equal_distances_in_index_order() {
        let mut list = Nearest::<f32>::new(4);
        for (dist, index) in [(2.0, 7), (1.0, 9), (2.0, 3), (1.0, 4), (5.0, 1)] {
            list.offer(dist, index);
        }
        assert_eq!(list.index, [4, 9, 3, 7]);
        list.renumber(|i| 100 - i);
        assert_eq!(list.index, [91, 96, 93, 97]);
        assert_eq!(list.dist, [1.0, 1.0, 2.0, 2.0]);
        assert_eq!(list.worst(), 2.0);
    }
}
