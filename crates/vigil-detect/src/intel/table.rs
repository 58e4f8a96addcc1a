//! Lookup structures: a fast hasher for the exact tables, and the one range table of networks.

use std::hash::{BuildHasherDefault, Hasher};

use ipnet::IpNet;

use super::value::ip_to_key;

/// "No indicator": the end of a chain, or no parent network.
pub(super) const NONE: u32 = u32::MAX;

/// The FxHash function (rustc's): a multiply and a rotate per word. The tables' keys come from
/// the operator's own indicator files, never from the events, so a hash without a random key
/// cannot be flooded from the monitored traffic; event values are only looked up.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("chunks of 8")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `BuildHasher` of [`FxHasher`].
pub(super) type FxBuildHasher = BuildHasherDefault<FxHasher>;

/// First and last address of a network, in the key space of [`ip_to_key`].
pub(super) fn net_range(net: &IpNet) -> (u128, u128) {
    (ip_to_key(net.network()), ip_to_key(net.broadcast()))
}

/// One network.
#[derive(Clone, Copy, Debug)]
struct Range {
    first: u128,
    last: u128,
    /// The smallest network that encloses this one, or [`NONE`].
    parent: u32,
    /// Head of the indicator chain of this network.
    head: u32,
}

/// All networks, IPv4 and IPv6, sorted by first address (enclosing before enclosed).
///
/// Networks are *laminar*: two of them are disjoint or one contains the other. So the networks
/// that contain an address are exactly the last network starting at or before it and the
/// ancestors of that one which reach it: a binary search, then a walk up at most 128 parent
/// links (in practice one or two).
#[derive(Clone, Debug, Default)]
pub(super) struct CidrTable {
    ranges: Vec<Range>,
}

impl CidrTable {
    /// The table of `(first, last, head)` networks; each network appears once.
    pub(super) fn build(networks: impl Iterator<Item = (u128, u128, u32)>) -> CidrTable {
        let mut ranges: Vec<Range> = networks
            .map(|(first, last, head)| Range {
                first,
                last,
                parent: NONE,
                head,
            })
            .collect();
        ranges.sort_unstable_by(|a, b| a.first.cmp(&b.first).then(b.last.cmp(&a.last)));
        let mut open: Vec<u32> = Vec::new();
        for i in 0..ranges.len() {
            let first = ranges[i].first;
            while let Some(&top) = open.last() {
                if ranges[top as usize].last >= first {
                    break;
                }
                open.pop();
            }
            ranges[i].parent = open.last().copied().unwrap_or(NONE);
            open.push(u32::try_from(i).expect("fewer networks than u32::MAX"));
        }
        CidrTable { ranges }
    }

    /// How many networks.
    pub(super) fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Pushes the chain heads of every network containing `key`, most specific first.
    pub(super) fn lookup(&self, key: u128, heads: &mut Vec<u32>) {
        let after = self.ranges.partition_point(|r| r.first <= key);
        let Some(mut at) = after.checked_sub(1) else {
            return;
        };
        loop {
            let range = &self.ranges[at];
            if range.last >= key {
                heads.push(range.head);
            }
            if range.parent == NONE {
                return;
            }
            at = range.parent as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intel::value::ip_key;

    fn table(nets: &[&str]) -> CidrTable {
        CidrTable::build(nets.iter().enumerate().map(|(i, n)| {
            let (first, last) = net_range(&n.parse().unwrap());
            (first, last, i as u32)
        }))
    }

    fn hits(table: &CidrTable, ip: &str) -> Vec<u32> {
        let mut heads = Vec::new();
        table.lookup(ip_key(ip).unwrap(), &mut heads);
        heads
    }

    #[test]
    fn nested_and_disjoint_networks_of_both_families() {
        let t = table(&[
            "10.0.0.0/8",
            "10.1.0.0/16",
            "10.1.2.0/24",
            "10.3.0.0/16",
            "192.0.2.0/24",
            "2001:db8::/32",
            "2001:db8:1::/48",
        ]);
        assert_eq!(hits(&t, "10.1.2.3"), vec![2, 1, 0]);
        assert_eq!(hits(&t, "10.1.3.1"), vec![1, 0]);
        assert_eq!(hits(&t, "10.2.0.1"), vec![0]);
        assert_eq!(hits(&t, "10.3.255.255"), vec![3, 0]);
        assert_eq!(hits(&t, "11.0.0.0"), Vec::<u32>::new());
        assert_eq!(hits(&t, "192.0.2.255"), vec![4]);
        assert_eq!(hits(&t, "::ffff:192.0.2.1"), vec![4]);
        assert_eq!(hits(&t, "2001:db8:1::5"), vec![6, 5]);
        assert_eq!(hits(&t, "2001:db8:2::5"), vec![5]);
        assert_eq!(hits(&t, "2001:db9::"), Vec::<u32>::new());
        assert_eq!(hits(&t, "0.0.0.1"), Vec::<u32>::new());
    }
}
