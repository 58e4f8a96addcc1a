//! The detection in force: which rules run, built from the base documents (the built-in
//! pack and configured rule files, read once at startup by the binary), the rules uploaded
//! through the API (kept in the state store), minus the rules disabled there.
//!
//! A change (upload, enable, disable) builds a new [`Detection`] and swaps it in; workers
//! and the commit thread pick it up between chunks (the correlation windows carry over).

use std::collections::HashSet;
use std::sync::Arc;

use vigil_detect::hunt::{AlertBuilder, Matcher};
use vigil_detect::intel::IntelSet;
use vigil_sigma::ast::Document;
use vigil_sigma::correlation::CorrelationOptions;
use vigil_sigma::engine::{CompiledRuleSet, RuleSet};

/// A compiled rule set with the indicators, ready for the pipeline.
pub struct Detection {
    /// The compiled rules.
    pub rules: CompiledRuleSet,
    /// Threat-intelligence indicators.
    pub intel: Arc<IntelSet>,
    /// Documents that did not compile, with the reason.
    pub skipped: Vec<String>,
}

/// The stable key of a rule for enabling and disabling: its `id`, else its `name`, else its
/// title.
pub fn rule_key(document: &Document) -> String {
    let meta = document.meta();
    meta.id
        .clone()
        .or_else(|| meta.name.clone())
        .unwrap_or_else(|| meta.title.clone())
}

impl Detection {
    /// Builds a detection from `documents`, leaving out those whose [`rule_key`] is in
    /// `disabled`. Fails when the correlations cannot run (a correlation naming a rule that
    /// is not there).
    pub fn build(
        documents: &[Document],
        disabled: &HashSet<String>,
        intel: Arc<IntelSet>,
    ) -> Result<Detection, String> {
        let mut set = RuleSet::with_shipped_pipelines()
            .map_err(|e| format!("the shipped pipelines do not load: {e}"))?;
        set.add_documents(
            documents
                .iter()
                .filter(|d| !disabled.contains(&rule_key(d)))
                .cloned(),
        );
        let (rules, errors) = set.build();
        let skipped = errors.iter().map(ToString::to_string).collect();
        Matcher::new(&rules).map_err(|e| format!("the correlation rules cannot run: {e}"))?;
        AlertBuilder::new(&rules, CorrelationOptions::default())
            .map_err(|e| format!("the correlation rules cannot run: {e}"))?;
        Ok(Detection {
            rules,
            intel,
            skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_rules_are_left_out_unless_a_correlation_needs_them() {
        let (pack, errors) = vigil_detect::load_ibm_rule_pack();
        assert!(errors.is_empty());
        let intel = Arc::new(IntelSet::default());
        let all = Detection::build(&pack, &HashSet::new(), intel.clone()).unwrap();
        let mut refused = 0;
        let mut disabled_one = false;
        for document in pack.iter().filter(|d| matches!(d, Document::Rule(_))) {
            let disabled = HashSet::from([rule_key(document)]);
            match Detection::build(&pack, &disabled, intel.clone()) {
                Ok(fewer) => {
                    assert_eq!(fewer.rules.rules().len() + 1, all.rules.rules().len());
                    disabled_one = true;
                }
                Err(message) => {
                    assert!(message.contains("neither a known rule"), "{message}");
                    refused += 1;
                }
            }
        }
        assert!(disabled_one);
        assert!(
            refused > 0,
            "rules feeding correlations cannot be disabled alone"
        );
    }
}
