//! The README's main command: `vigil demo` simulates a day, starts the platform, imports the
//! day through the pipeline and reports (here `--once`, on a small day).

use std::process::Command;

#[test]
fn demo_imports_a_simulated_day_and_reports_alerts() {
    let out = Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args([
            "demo",
            "--once",
            "--scale",
            "0.05",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .expect("the vigil binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stored_line = stderr
        .lines()
        .find(|l| l.contains("events stored"))
        .unwrap_or_else(|| panic!("no import summary in {stderr}"));
    // "N files, X MB (...), E events stored, R rejected, A alert hits in ..."
    let events: u64 = stored_line
        .split(", ")
        .find_map(|part| part.strip_suffix(" events stored"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("cannot read the event count in `{stored_line}`"));
    assert!(events > 1_000, "{stored_line}");
    assert!(stored_line.contains(" 0 rejected"), "{stored_line}");
    assert!(stderr.contains("high and critical alerts"), "{stderr}");
    assert!(
        stderr.contains("the platform is up at http://127.0.0.1:"),
        "{stderr}"
    );
}
