use std::time::Instant;
fn main() {
    let mut g = vigil_sim::Generator::new(1);
    for feed in vigil_sim::Feed::ALL {
        let t = Instant::now();
        let mut b = Vec::new();
        g.write_records(feed, 100_000, &mut b);
        let s = t.elapsed().as_secs_f64();
        println!("{feed:?}: {} MB in {:.3}s = {:.0} MB/s, avg {} B", b.len() / 1_000_000, s, b.len() as f64 / 1e6 / s, b.len() / 100_000);
    }
    let t = Instant::now();
    let mut raw = 0; let mut gz = 0;
    for _ in 0..100 { let (_, j) = g.flow_log_json(1000); raw += j.len(); }
    let s1 = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..100 { let (_, j) = g.flow_log_object(1000); gz += j.len(); }
    let s2 = t.elapsed().as_secs_f64();
    println!("flow json: {} MB in {:.3}s; gzip objects: {} MB (from ~{} MB) in {:.3}s", raw/1_000_000, s1, gz/1_000_000, raw/1_000_000, s2);
}
