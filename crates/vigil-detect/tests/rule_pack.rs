//! The IBM Cloud rule pack, checked end to end.
//!
//! * the embedded list is the `rules/ibm/` directory, no file forgotten;
//! * every document loads and compiles with the shipped pipelines, with zero errors, every
//!   correlation resolves its rules, and every detection rule is routed to a Vigil source;
//! * every document carries what an analyst needs (see [`metadata_problems`]);
//! * every document has at least one test that must fire it and one that must not, and each
//!   test gives exactly its expected outcome when its raw records go through the real
//!   normalizer, the engine and, for correlations, the correlation engine.
//!
//! Test files (`<rule-file-stem>.tests.ndjson`, beside the rule file) hold one case per line;
//! the format is in `rules/ibm/README.md` and in [`Case`].

#[path = "rule_pack/cases.rs"]
mod cases;
#[path = "rule_pack/metadata.rs"]
mod metadata;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use vigil_detect::ibm_rule_pack;
use vigil_sigma::ast::Document;
use vigil_sigma::correlation::{CorrelationEngine, CorrelationOptions, RuleRef};
use vigil_sigma::engine::{CompiledRuleSet, RuleSet};
use vigil_sigma::load::load_str;

use cases::{run_case, Case, Expect};
use metadata::metadata_problems;

const RULES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/ibm");

/// One rule file of the pack and the documents it holds.
struct PackFile {
    name: &'static str,
    documents: Vec<Document>,
}

/// The pack, loaded and compiled once for all tests.
struct Pack {
    files: Vec<PackFile>,
    compiled: CompiledRuleSet,
    load_errors: Vec<String>,
    build_errors: Vec<String>,
}

fn pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| {
        let mut files = Vec::new();
        let mut load_errors = Vec::new();
        let mut set = RuleSet::with_shipped_pipelines().expect("the shipped pipelines load");
        for (name, text) in ibm_rule_pack() {
            let mut documents = Vec::new();
            for result in load_str(text, name) {
                match result {
                    Ok(document) => documents.push(document),
                    Err(error) => load_errors.push(error.to_string()),
                }
            }
            set.add_documents(documents.iter().cloned());
            files.push(PackFile { name, documents });
        }
        let (compiled, errors) = set.build();
        Pack {
            files,
            compiled,
            load_errors,
            build_errors: errors.iter().map(ToString::to_string).collect(),
        }
    })
}

fn rule_files_on_disk(dir: &Path, found: &mut Vec<String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rule_files_on_disk(&path, found);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            let relative = path.strip_prefix(RULES_DIR).unwrap();
            found.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn embedded_list_matches_the_rules_directory() {
    let mut on_disk = Vec::new();
    rule_files_on_disk(Path::new(RULES_DIR), &mut on_disk);
    on_disk.sort();
    let embedded: Vec<String> = ibm_rule_pack().iter().map(|(n, _)| n.to_string()).collect();
    let mut sorted = embedded.clone();
    sorted.sort();
    assert_eq!(embedded, sorted, "keep the embedded list sorted");
    let disk: BTreeSet<&String> = on_disk.iter().collect();
    let listed: BTreeSet<&String> = embedded.iter().collect();
    let missing: Vec<_> = disk.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&disk).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "add to src/pack.rs: {missing:?}; remove from it: {gone:?}"
    );
    for (name, text) in ibm_rule_pack() {
        let on_disk = std::fs::read_to_string(Path::new(RULES_DIR).join(name)).unwrap();
        assert_eq!(text, on_disk, "{name}: embedded text differs from the file");
    }
}

#[test]
fn every_document_loads_and_compiles_with_the_shipped_pipelines() {
    let pack = pack();
    assert!(pack.load_errors.is_empty(), "{:#?}", pack.load_errors);
    assert!(pack.build_errors.is_empty(), "{:#?}", pack.build_errors);
    let documents: usize = pack.files.iter().map(|f| f.documents.len()).sum();
    let correlations = pack.compiled.correlations().len();
    assert_eq!(pack.compiled.rules().len() + correlations, documents);
    let known = pack.compiled.known_rules();
    if let Err(error) = CorrelationEngine::new(
        pack.compiled.correlations(),
        &known,
        CorrelationOptions::default(),
    ) {
        panic!("the correlations do not resolve: {error}");
    }
}

#[test]
fn every_rule_routes_to_a_vigil_source() {
    let unrouted: Vec<&str> = pack()
        .compiled
        .rules()
        .iter()
        .filter(|rule| rule.source_types.is_empty())
        .map(|rule| rule.meta.title.as_str())
        .collect();
    assert!(unrouted.is_empty(), "routed nowhere: {unrouted:#?}");
}

#[test]
fn every_document_carries_its_metadata() {
    let mut problems = Vec::new();
    let mut ids: BTreeMap<&str, &str> = BTreeMap::new();
    let mut names: BTreeMap<&str, &str> = BTreeMap::new();
    for file in &pack().files {
        for document in &file.documents {
            let meta = document.meta();
            for problem in metadata_problems(document) {
                problems.push(format!("{} `{}`: {problem}", file.name, meta.title));
            }
            if let Some(id) = meta.id.as_deref() {
                if let Some(other) = ids.insert(id, file.name) {
                    problems.push(format!("{}: id `{id}` also in {other}", file.name));
                }
            }
            if let Some(name) = meta.name.as_deref() {
                if let Some(other) = names.insert(name, file.name) {
                    problems.push(format!("{}: name `{name}` also in {other}", file.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The test cases of a rule file, from `<stem>.tests.ndjson` beside it.
fn cases_of(file: &PackFile) -> Result<Vec<Case>, String> {
    let stem = file.name.strip_suffix(".yml").unwrap_or(file.name);
    let path: PathBuf = Path::new(RULES_DIR).join(format!("{stem}.tests.ndjson"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut cases = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case = Case::parse(line, &file.documents)
            .map_err(|e| format!("{}:{}: {e}", path.display(), index + 1))?;
        cases.push(case);
    }
    Ok(cases)
}

#[test]
fn every_document_has_a_positive_and_a_negative_test() {
    let mut problems = Vec::new();
    for file in &pack().files {
        let cases = match cases_of(file) {
            Ok(cases) => cases,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        for document in &file.documents {
            let target = cases::target_key(document);
            for expect in [Expect::Match, Expect::NoMatch] {
                if !cases
                    .iter()
                    .any(|c| c.target == target && c.expect == expect)
                {
                    problems.push(format!("{}: no `{expect}` test for `{target}`", file.name));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_test_gives_its_expected_outcome() {
    let pack = pack();
    let mut failures = Vec::new();
    let mut ran = 0usize;
    for file in &pack.files {
        let cases = match cases_of(file) {
            Ok(cases) => cases,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for (index, case) in cases.iter().enumerate() {
            ran += 1;
            if let Err(failure) = run_case(&pack.compiled, case) {
                failures.push(format!(
                    "{} test {} ({} `{}`): {failure}",
                    file.name,
                    index + 1,
                    case.expect,
                    case.target
                ));
            }
        }
    }
    assert!(ran > 0, "no tests ran");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The issue asks for at least 60 detections: rules and correlations that raise alerts of
/// their own. Base rules that only feed correlations, and correlations that only feed other
/// correlations (`generate: false`), do not count.
#[test]
fn the_pack_has_at_least_60_alerting_detections() {
    let compiled = &pack().compiled;
    let known = compiled.known_rules();
    let engine = CorrelationEngine::new(
        compiled.correlations(),
        &known,
        CorrelationOptions::default(),
    )
    .expect("correlations resolve");
    let alerting_rules = compiled
        .rules()
        .iter()
        .filter(|rule| !engine.suppresses_base_alerts(RuleRef::of(&rule.meta)))
        .count();
    let correlations = compiled.correlations();
    let alerting_correlations = correlations
        .iter()
        .filter(|inner| {
            let names = [inner.meta.name.as_deref(), inner.meta.id.as_deref()];
            let outer: Vec<_> = correlations
                .iter()
                .filter(|outer| {
                    outer
                        .rules
                        .iter()
                        .any(|r| names.contains(&Some(r.as_str())))
                })
                .collect();
            outer.is_empty() || outer.iter().any(|o| o.generate)
        })
        .count();
    let alerting = alerting_rules + alerting_correlations;
    println!("{alerting_rules} alerting rules, {alerting_correlations} alerting correlations");
    assert!(alerting >= 60, "{alerting} alerting detections");
}
