//! Necessary conditions: what must be true of an event for a rule to possibly match.
//!
//! A *requirement* is an OR of atoms; a rule's requirements are all necessary (AND). Atoms are
//! things the per-source index computes once per event for all rules: a shared literal-string
//! item being true, or a field being present. From the condition tree: `and` collects its
//! operands' requirements, `or` keeps one requirement per operand and ORs them together (a
//! requirement of every branch), `not` gives nothing. A rule is only evaluated when every one
//! of its chosen requirements holds, so these must never be stronger than the rule: each step
//! above only weakens.

use std::collections::{BTreeSet, HashMap};

use super::compile::{Detection, Item, Node, SharedTable};

/// Something the index knows about an event before any rule runs.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Atom {
    /// The shared item with this id is true.
    Item(u32),
    /// The field is present (any value, null included).
    Present(String),
}

/// An OR of atoms, sorted and without duplicates.
pub(super) type Requirement = Vec<Atom>;

/// Every requirement the rule's pipeline conditions and detection imply, without
/// duplicates, cheapest first.
pub(super) fn necessary(
    added: &[Item],
    detection: &Detection,
    shared: &SharedTable,
) -> Vec<Requirement> {
    let mut all: Vec<Requirement> = added.iter().filter_map(item).collect();
    all.extend(node(&detection.tree, detection, shared));
    let mut unique: Vec<Requirement> = all
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    unique.sort_by_key(|requirement| score(requirement, shared));
    unique
}

/// Picks the requirements each variant is indexed by, from its [`necessary`] ones.
///
/// Every field a chosen requirement uses is probed on every event, so the choice looks at all
/// rules at once: first, each rule takes one requirement made of literal items, preferring
/// items on fields over keyword search, then fields many rules can use (so few fields are
/// probed for all), then the cheapest; then each rule takes another requirement (presence
/// included) if its fields are probed anyway, which makes it a candidate less often for free.
pub(super) fn select(
    candidates: &[Vec<Requirement>],
    shared: &SharedTable,
) -> Vec<Vec<Requirement>> {
    let mut popularity: HashMap<Option<&str>, usize> = HashMap::new();
    for requirements in candidates {
        let fields: BTreeSet<Option<&str>> = requirements
            .iter()
            .flat_map(|r| fields(r, shared))
            .collect();
        for field in fields {
            *popularity.entry(field).or_default() += 1;
        }
    }
    let rank = |requirement: &Requirement| {
        let tier = requirement
            .iter()
            .map(|atom| match atom {
                Atom::Item(id) => match shared.items.get(*id as usize) {
                    Some(item) if item.field.is_some() => 0,
                    _ => 2,
                },
                Atom::Present(_) => 1,
            })
            .max()
            .unwrap_or(2);
        let least_shared = fields(requirement, shared)
            .map(|field| popularity.get(&field).copied().unwrap_or(0))
            .min()
            .unwrap_or(0);
        (
            tier,
            std::cmp::Reverse(least_shared),
            score(requirement, shared),
        )
    };
    // Presence alone is never worth probing a field for: the rule's own first item would
    // look it up just the same. It is taken below when the field is probed anyway.
    let mut chosen: Vec<Vec<Requirement>> = candidates
        .iter()
        .map(|requirements| {
            requirements
                .iter()
                .filter(|r| !r.iter().any(|atom| matches!(atom, Atom::Present(_))))
                .min_by_key(|r| rank(r))
                .cloned()
                .into_iter()
                .collect()
        })
        .collect();
    let probed: BTreeSet<Option<String>> = chosen
        .iter()
        .flatten()
        .flat_map(|r| fields(r, shared).map(|f| f.map(str::to_owned)))
        .collect();
    for (requirements, picked) in candidates.iter().zip(chosen.iter_mut()) {
        let extra = requirements.iter().find(|r| {
            !picked.contains(r)
                && fields(r, shared).all(|field| probed.contains(&field.map(str::to_owned)))
        });
        if let Some(extra) = extra {
            picked.push(extra.clone());
        }
    }
    chosen
}

/// The fields a requirement reads (`None`: keyword search).
fn fields<'s>(
    requirement: &'s Requirement,
    shared: &'s SharedTable,
) -> impl Iterator<Item = Option<&'s str>> {
    requirement.iter().map(|atom| match atom {
        Atom::Item(id) => shared
            .items
            .get(*id as usize)
            .and_then(|item| item.field.as_deref()),
        Atom::Present(field) => Some(field.as_str()),
    })
}

fn node(tree: &Node, detection: &Detection, shared: &SharedTable) -> Vec<Requirement> {
    match tree {
        Node::Search(index) => match detection.searches.get(*index) {
            Some(search) => any_of(
                search
                    .groups
                    .iter()
                    .map(|group| group.iter().filter_map(item).collect())
                    .collect(),
                shared,
            ),
            None => Vec::new(),
        },
        Node::Not(_) => Vec::new(),
        Node::And(children) => children
            .iter()
            .flat_map(|child| node(child, detection, shared))
            .collect(),
        Node::Or(children) => any_of(
            children
                .iter()
                .map(|child| node(child, detection, shared))
                .collect(),
            shared,
        ),
    }
}

/// One requirement implied by every branch: the best of each, ORed. Nothing when a branch
/// implies nothing.
fn any_of(mut branches: Vec<Vec<Requirement>>, shared: &SharedTable) -> Vec<Requirement> {
    if branches.len() == 1 {
        return branches.pop().unwrap_or_default();
    }
    let mut atoms = BTreeSet::new();
    for branch in branches {
        let Some(best) = branch
            .into_iter()
            .min_by_key(|requirement| score(requirement, shared))
        else {
            return Vec::new();
        };
        atoms.extend(best);
    }
    if atoms.is_empty() {
        return Vec::new();
    }
    vec![atoms.into_iter().collect()]
}

/// What a single item implies: its shared ids when the index answers for all its
/// alternatives, else presence of one of its fields when it needs one.
fn item(item: &Item) -> Option<Requirement> {
    let mut atoms = BTreeSet::new();
    let all_shared = item.alternatives.iter().all(|leaf| leaf.shared.is_some());
    if !all_shared && !item.needs_presence {
        return None;
    }
    for leaf in &item.alternatives {
        match leaf.shared {
            Some(id) => {
                atoms.insert(Atom::Item(id));
            }
            None => {
                let field = leaf.matcher.field()?;
                atoms.insert(Atom::Present(field.to_owned()));
            }
        }
    }
    if atoms.is_empty() {
        return None;
    }
    Some(atoms.into_iter().collect())
}

/// Lower is better: few atoms, answered by hash lookups, on few fields. Presence is cheap
/// but rarely selective; keyword search reads the whole event.
fn score(requirement: &Requirement, shared: &SharedTable) -> u32 {
    let mut fields = BTreeSet::new();
    let mut total = 0u32;
    for atom in requirement {
        match atom {
            Atom::Item(id) => match shared.items.get(*id as usize) {
                Some(item) if item.field.is_none() => {
                    total = total.saturating_add(40);
                    fields.insert(None);
                }
                Some(item) => {
                    total = total.saturating_add(if item.exact_only { 1 } else { 2 });
                    fields.insert(item.field.as_deref());
                }
                None => total = total.saturating_add(100),
            },
            Atom::Present(field) => {
                total = total.saturating_add(25);
                fields.insert(Some(field.as_str()));
            }
        }
    }
    let field_count = u32::try_from(fields.len()).unwrap_or(u32::MAX);
    total.saturating_add(field_count.saturating_mul(4))
}
