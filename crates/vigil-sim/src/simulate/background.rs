//! How much background each source writes, hour by hour, and the pacing that gets it there.

use crate::cis::Stamp;
use crate::estate::Role;
use crate::rng::Rng;
use crate::{Feed, FirewallVendor, Generator, Profile};

const HOUR_MS: i64 = 3_600_000;

/// Records a day at scale 1.0 (flow logs: see [`flows_per_window`]).
fn per_day(feed: Feed) -> f64 {
    match feed {
        Feed::ActivityTracker => 24_000.0,
        Feed::Firewall(FirewallVendor::PanOs) => 30_000.0,
        Feed::Firewall(FirewallVendor::FortiGate) => 22_000.0,
        Feed::Firewall(FirewallVendor::CheckPoint) => 18_000.0,
        Feed::CisFirewall => 5_000.0,
        Feed::CisHttp => 36_000.0,
        Feed::Falco => 1_500.0,
        Feed::CloudTrail => 6_000.0,
    }
}

/// Relative activity by hour of day (UTC): people at work.
const OFFICE: [u32; 24] = [
    2, 2, 2, 2, 2, 2, 3, 6, 10, 12, 12, 11, 10, 12, 12, 11, 10, 8, 5, 4, 3, 3, 2, 2,
];
/// Relative activity by hour of day (UTC): visitors of the web sites, evening peak.
const WEB: [u32; 24] = [
    4, 3, 3, 2, 2, 3, 4, 6, 8, 9, 9, 10, 10, 10, 10, 10, 10, 11, 12, 12, 11, 9, 7, 5,
];
/// Relative activity by hour of day: machines, all day.
const FLAT: [u32; 24] = [1; 24];

fn curve(feed: Feed) -> &'static [u32; 24] {
    match feed {
        Feed::ActivityTracker | Feed::CloudTrail => &OFFICE,
        Feed::Falco => &FLAT,
        _ => &WEB,
    }
}

/// The share of a day's records that fall in hour `hour` of the day for `curve`.
fn share(curve: &[u32; 24], hour_of_day: usize) -> f64 {
    let total: u32 = curve.iter().sum();
    f64::from(curve[hour_of_day % 24]) / f64::from(total)
}

/// Writes the background of `feed` from `start_ms` to `end_ms`, calling `each` with every
/// record (its time and its bytes, `\n` included) in time order.
pub(super) fn run_feed(
    generator: &mut Generator,
    feed: Feed,
    cis_stamp: Stamp,
    (start_ms, end_ms, scale): (i64, i64, f64),
    each: &mut dyn FnMut(i64, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    {
        let stream = generator.stream_mut(feed);
        stream.profile = Profile::Routine;
        stream.clock_ms = start_ms;
    }
    let day_start = start_ms - start_ms.rem_euclid(86_400_000);
    let mean_gap = feed.mean_gap_ms() as f64;
    let mut buf = Vec::with_capacity(4096);
    let mut paced_hour = i64::MIN;
    loop {
        let now = generator.stream_mut(feed).clock_ms;
        if now >= end_ms {
            return Ok(());
        }
        let hour = (now - start_ms).div_euclid(HOUR_MS);
        if hour != paced_hour {
            let hour_of_day = ((now - day_start).div_euclid(HOUR_MS)).rem_euclid(24) as usize;
            let records = per_day(feed) * scale * share(curve(feed), hour_of_day);
            if records < 0.5 {
                // Nothing this hour: skip to the next one.
                generator.stream_mut(feed).clock_ms = start_ms + (hour + 1) * HOUR_MS;
                continue;
            }
            let mean_ms = HOUR_MS as f64 / records;
            let pace = (mean_ms * 1000.0 / mean_gap).round().max(1.0);
            generator.stream_mut(feed).pace_permille = pace as u64;
            paced_hour = hour;
        }
        buf.clear();
        let time = generator.write_one(feed, cis_stamp, &mut buf);
        if time >= end_ms {
            return Ok(());
        }
        each(time, &buf)?;
    }
}

/// Mean flow records a vNIC of `role` writes in one capture window at scale 1.0, averaged
/// over the day.
fn flows_per_window(role: Role) -> f64 {
    match role {
        Role::Web => 6.0,
        // A few dozen SSH sessions a day, and the scanners knocking.
        Role::Bastion => 0.6,
        Role::App => 4.0,
        Role::Db => 2.5,
        Role::Worker => 4.5,
    }
}

/// How many background flow records a vNIC of `role` writes in the window starting at
/// `window_start_ms`.
pub(super) fn flow_count(rng: &mut Rng, role: Role, window_start_ms: i64, scale: f64) -> usize {
    let hour_of_day = (window_start_ms.rem_euclid(86_400_000) / HOUR_MS) as usize;
    // The web curve's share times 24 is 1.0 on average over the day.
    let lambda = flows_per_window(role) * scale * share(&WEB, hour_of_day) * 24.0;
    poisson(rng, lambda)
}

/// A Poisson draw: Knuth's method for small means, a normal approximation above.
fn poisson(rng: &mut Rng, lambda: f64) -> usize {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda < 30.0 {
        let limit = (-lambda).exp();
        let mut product = 1.0;
        let mut count = 0;
        loop {
            product *= unit(rng);
            if product <= limit {
                return count;
            }
            count += 1;
        }
    }
    // Irwin–Hall: the sum of twelve uniforms less six is close to a standard normal.
    let z: f64 = (0..12).map(|_| unit(rng)).sum::<f64>() - 6.0;
    (lambda + lambda.sqrt() * z).round().max(0.0) as usize
}

/// A uniform draw in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_share_a_whole_day() {
        for curve in [&OFFICE, &WEB, &FLAT] {
            let total: f64 = (0..24).map(|h| share(curve, h)).sum();
            assert!((total - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn poisson_draws_average_their_mean() {
        let mut rng = Rng::new(5);
        for lambda in [0.3, 4.0, 50.0] {
            let n = 20_000;
            let total: usize = (0..n).map(|_| poisson(&mut rng, lambda)).sum();
            let mean = total as f64 / n as f64;
            assert!(
                (mean - lambda).abs() < lambda * 0.05 + 0.02,
                "{lambda}: {mean}"
            );
        }
    }
}
