//! A small seeded PRNG (SplitMix64) and the draws the generators need.
//!
//! SplitMix64 is tiny, fast and statistically good enough for synthetic telemetry; it is not
//! for cryptography. Every stream of the generator owns one [`Rng`] derived from the seed and
//! a label, so the output of one source does not depend on which other sources were drawn
//! first.

/// A SplitMix64 generator.
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// A generator for `seed` and a stream label: the same pair always gives the same stream,
    /// different labels give unrelated streams.
    pub(crate) fn for_stream(seed: u64, label: &str) -> Rng {
        // FNV-1a of the label, mixed with the seed through one SplitMix64 step.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in label.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        let mut mixer = Rng::new(seed ^ hash);
        Rng::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0). Multiply-shift: the bias is below 2^-32 for
    /// the small ranges used here.
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of `len` elements.
    #[inline]
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `low..=high`.
    #[inline]
    pub(crate) fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// True with probability `per_mille / 1000`.
    #[inline]
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// One element of a non-empty slice.
    #[inline]
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// A copy of one element of a non-empty slice.
    #[inline]
    pub(crate) fn one<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// One element of a non-empty `(weight, item)` slice, chosen by weight.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> &'a T {
        let total: u64 = items.iter().map(|(weight, _)| u64::from(*weight)).sum();
        let mut ticket = self.below(total);
        for (weight, item) in items {
            let weight = u64::from(*weight);
            if ticket < weight {
                return item;
            }
            ticket -= weight;
        }
        &items[items.len() - 1].1
    }

    /// A heavy-tailed size: usually near `typical`, sometimes up to `max` (log-uniform).
    pub(crate) fn heavy(&mut self, typical: u64, max: u64) -> u64 {
        if self.chance(850) {
            let low = typical / 2;
            return self.range(low.max(1), typical.saturating_mul(2).max(1));
        }
        // log-uniform between typical and max: pick an exponent, then a value in that octave.
        let mut value = typical.max(1);
        while value < max / 2 && self.chance(500) {
            value *= 2;
        }
        self.range(value, value.saturating_mul(2).min(max.max(value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let mut a = Rng::for_stream(7, "falco");
        let mut b = Rng::for_stream(7, "falco");
        let mut c = Rng::for_stream(7, "cis");
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            let r = rng.range(3, 5);
            assert!((3..=5).contains(&r));
            assert!(rng.heavy(100, 10_000) <= 20_000);
        }
        assert_eq!(rng.below(0), 0);
        let items = [(1, 'a'), (0, 'b'), (3, 'c')];
        for _ in 0..1000 {
            assert_ne!(*rng.weighted(&items), 'b');
        }
    }
}
