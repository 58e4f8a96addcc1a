//! Reads the indexed fields out of an event's JSON bytes in one pass, without building a
//! `serde_json::Value`: a trie of the catalogue's OCSF paths drives a serde visitor that
//! descends only into members some field needs and skips the rest. Strings without escapes
//! are borrowed from the input.
//!
//! Arrays are walked wherever they appear (`resources[].uid` and a plain path that happens to
//! hold an array both give every element), matching the catalogue's "values found at all
//! paths" rule.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A scalar found at a path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar<'de> {
    Str(Cow<'de, str>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

/// A trie node: the member names below it and the targets (output slots) that take the
/// values found here.
#[derive(Debug, Default)]
pub(crate) struct PathTrie {
    children: Vec<(String, PathTrie)>,
    targets: Vec<u16>,
}

impl PathTrie {
    /// Adds `path` (dotted; `[]` suffixes mark arrays and are ignored) for `target`.
    pub(crate) fn insert(&mut self, path: &str, target: u16) {
        let mut node = self;
        for segment in path.split('.') {
            let name = segment.trim_end_matches("[]");
            let position = match node.children.iter().position(|(n, _)| n == name) {
                Some(position) => position,
                None => {
                    node.children.push((name.to_owned(), PathTrie::default()));
                    node.children.len() - 1
                }
            };
            node = &mut node.children[position].1;
        }
        node.targets.push(target);
    }

    fn child(&self, name: &str) -> Option<&PathTrie> {
        self.children
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, node)| node)
    }

    /// Extracts every value under this trie from `json` into `out` as `(target, value)`.
    /// On malformed JSON, returns what was found before the error and the error.
    pub(crate) fn extract<'de>(
        &self,
        json: &'de [u8],
        out: &mut Vec<(u16, Scalar<'de>)>,
    ) -> Result<(), serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        NodeSeed { node: self, out }.deserialize(&mut deserializer)?;
        deserializer.end()
    }
}

struct NodeSeed<'t, 'o, 'de> {
    node: &'t PathTrie,
    out: &'o mut Vec<(u16, Scalar<'de>)>,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl NodeSeed<'_, '_, '_> {
    fn push_scalar<'de>(node: &PathTrie, out: &mut Vec<(u16, Scalar<'de>)>, value: Scalar<'de>) {
        match node.targets.as_slice() {
            [] => {}
            [only] => out.push((*only, value)),
            targets => {
                for target in targets {
                    out.push((*target, value.clone()));
                }
            }
        }
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.node.child(&key.0) {
                Some(child) => map.next_value_seed(NodeSeed {
                    node: child,
                    out: &mut *self.out,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(NodeSeed {
                node: self.node,
                out: &mut *self.out,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        Self::push_scalar(self.node, self.out, Scalar::Str(Cow::Borrowed(v)));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if !self.node.targets.is_empty() {
            Self::push_scalar(self.node, self.out, Scalar::Str(Cow::Owned(v.to_owned())));
        }
        Ok(())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        Self::push_scalar(self.node, self.out, Scalar::Str(Cow::Owned(v)));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        Self::push_scalar(self.node, self.out, Scalar::I64(v));
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        Self::push_scalar(self.node, self.out, Scalar::U64(v));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        Self::push_scalar(self.node, self.out, Scalar::F64(v));
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        Self::push_scalar(self.node, self.out, Scalar::Bool(v));
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// A member name, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(paths: &[&str], json: &str, expect: &[(u16, Scalar<'static>)]) {
        let mut trie = PathTrie::default();
        for (i, path) in paths.iter().enumerate() {
            trie.insert(path, i as u16);
        }
        let mut out = Vec::new();
        trie.extract(json.as_bytes(), &mut out).unwrap();
        let owned: Vec<(u16, Scalar<'static>)> = out
            .into_iter()
            .map(|(t, s)| {
                let s = match s {
                    Scalar::Str(c) => Scalar::Str(Cow::Owned(c.into_owned())),
                    Scalar::I64(v) => Scalar::I64(v),
                    Scalar::U64(v) => Scalar::U64(v),
                    Scalar::F64(v) => Scalar::F64(v),
                    Scalar::Bool(v) => Scalar::Bool(v),
                };
                (t, s)
            })
            .collect();
        assert_eq!(owned, expect);
    }

    fn s(v: &str) -> Scalar<'static> {
        Scalar::Str(Cow::Owned(v.to_owned()))
    }

    #[test]
    fn nested_paths_arrays_and_escapes() {
        check(
            &["a.b", "r[].uid", "x", "a.b"],
            r#"{"a":{"b":"v\"1","c":[1,2]},"skip":{"a":{"b":"no"}},"r":[{"uid":"u1"},{"uid":7}],"x":[true,null,1.5]}"#,
            &[
                (0, s("v\"1")),
                (3, s("v\"1")),
                (1, s("u1")),
                (1, Scalar::U64(7)),
                (2, Scalar::Bool(true)),
                (2, Scalar::F64(1.5)),
            ],
        );
    }

    #[test]
    fn malformed_json_reports_an_error_without_panicking() {
        let mut trie = PathTrie::default();
        trie.insert("a", 0);
        let mut out = Vec::new();
        assert!(trie.extract(br#"{"a":"x","b":"#, &mut out).is_err());
        assert_eq!(out.len(), 1);
        assert!(trie.extract(b"", &mut out).is_err());
    }
}
