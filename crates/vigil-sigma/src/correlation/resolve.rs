//! Reference resolution: what a `rules` or `aliases` entry names, and reference cycles.

use std::collections::HashMap;

use super::compile::{label, CompiledCorrelation, SourceKey};
use super::{CorrelationError, RuleRef};
use crate::ast;

/// Resolves `rules` entries: a correlation `id`/`name` first, then a known rule by `id`,
/// then by `name`.
pub(crate) struct Resolver {
    correlations: HashMap<String, usize>,
    rules_by_id: HashMap<String, usize>,
    rules_by_name: HashMap<String, usize>,
}

impl Resolver {
    pub(crate) fn new(
        correlations: &[ast::Correlation],
        known_rules: &[RuleRef<'_>],
    ) -> Result<Resolver, CorrelationError> {
        let mut by_identifier: HashMap<String, usize> = HashMap::new();
        for (index, correlation) in correlations.iter().enumerate() {
            let identifiers = [&correlation.meta.id, &correlation.meta.name];
            for identifier in identifiers.into_iter().flatten() {
                if let Some(&first) = by_identifier.get(identifier) {
                    if first != index {
                        return Err(CorrelationError::DuplicateIdentifier {
                            identifier: identifier.clone(),
                            first: label(&correlations[first].meta),
                            second: label(&correlation.meta),
                        });
                    }
                }
                by_identifier.insert(identifier.clone(), index);
            }
        }
        let mut rules_by_id = HashMap::new();
        let mut rules_by_name = HashMap::new();
        for (index, rule) in known_rules.iter().enumerate() {
            if let Some(id) = rule.id {
                rules_by_id.entry(id.to_owned()).or_insert(index);
            }
            if let Some(name) = rule.name {
                rules_by_name.entry(name.to_owned()).or_insert(index);
            }
        }
        Ok(Resolver {
            correlations: by_identifier,
            rules_by_id,
            rules_by_name,
        })
    }

    pub(crate) fn resolve(&self, reference: &str) -> Option<SourceKey> {
        if let Some(&index) = self.correlations.get(reference) {
            return Some(SourceKey::Correlation(index));
        }
        self.rules_by_id
            .get(reference)
            .or_else(|| self.rules_by_name.get(reference))
            .map(|&index| SourceKey::Rule(index))
    }
}

/// `alias -> (source -> field)`, every mapped rule checked to be one of the sources.
pub(crate) fn resolve_aliases<'c>(
    correlation: &'c ast::Correlation,
    name: &str,
    sources: &[SourceKey],
    resolver: &Resolver,
) -> Result<HashMap<&'c str, HashMap<SourceKey, String>>, CorrelationError> {
    let mut aliases = HashMap::new();
    for (alias, mapping) in &correlation.aliases {
        let mut per_source = HashMap::new();
        for (reference, field) in mapping {
            let key = resolver
                .resolve(reference)
                .filter(|key| sources.contains(key));
            let Some(key) = key else {
                return Err(CorrelationError::AliasUnknownRule {
                    correlation: name.to_owned(),
                    alias: alias.clone(),
                    reference: reference.clone(),
                });
            };
            per_source.insert(key, field.clone());
        }
        aliases.insert(alias.as_str(), per_source);
    }
    Ok(aliases)
}

/// Rejects correlations that (transitively) reference themselves.
pub(crate) fn check_cycles(compiled: &[CompiledCorrelation]) -> Result<(), CorrelationError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks = vec![Mark::New; compiled.len()];
    for start in 0..compiled.len() {
        if marks[start] != Mark::New {
            continue;
        }
        // Iterative depth-first search; `path` holds the open correlations.
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        marks[start] = Mark::Open;
        while let Some(&mut (node, ref mut next_source)) = path.last_mut() {
            let inner = compiled[node]
                .sources
                .get(*next_source)
                .map(|source| source.key);
            *next_source += 1;
            match inner {
                None => {
                    marks[node] = Mark::Done;
                    path.pop();
                }
                Some(SourceKey::Rule(_)) => {}
                Some(SourceKey::Correlation(target)) => match marks[target] {
                    Mark::Done => {}
                    Mark::New => {
                        marks[target] = Mark::Open;
                        path.push((target, 0));
                    }
                    Mark::Open => {
                        let from = path
                            .iter()
                            .position(|&(open, _)| open == target)
                            .unwrap_or(0);
                        let mut names: Vec<&str> = path[from..]
                            .iter()
                            .map(|&(open, _)| compiled[open].fingerprint.identity.as_str())
                            .collect();
                        names.push(compiled[target].fingerprint.identity.as_str());
                        return Err(CorrelationError::Cycle {
                            correlation: compiled[target].fingerprint.identity.clone(),
                            cycle: names.join(" -> "),
                        });
                    }
                },
            }
        }
    }
    Ok(())
}
