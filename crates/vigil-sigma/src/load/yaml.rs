//! YAML text to a small tree that keeps what Sigma needs and `yaml_rust2::Yaml` loses.
//!
//! Built from `yaml_rust2`'s event parser rather than its `YamlLoader` because:
//! * every scalar keeps its source text and whether it was plain, so `Details|contains:
//!   00000429` stays the text `00000429` (YAML 1.2 would make it the integer 429) — value
//!   typing is decided in [`super::rule`], not here;
//! * one bad document does not lose the others: the loader fails the whole stream, while
//!   here documents before an error are kept and parsing resumes at the next `---` line;
//! * duplicate keys are reported per document with their line (PyYAML, and so pySigma,
//!   silently keep the last one);
//! * building is iterative with a depth limit and a node budget that counts alias expansion,
//!   so neither deep nesting nor an alias bomb can exhaust the stack or memory;
//! * YAML 1.1 merge keys (`<<: *anchor`, which PyYAML supports) are applied instead of
//!   becoming a field named `<<`.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deepest nesting of sequences and mappings accepted in a document.
pub(crate) const MAX_DEPTH: usize = 64;

/// Most nodes one document may hold, aliases counted expanded.
pub(crate) const MAX_NODES: usize = 250_000;

/// A node with the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    /// Line in the whole input, 1-based.
    pub(crate) line: usize,
    /// The content.
    pub(crate) body: Body,
}

/// Node content. Mapping keys are scalars (anything else is refused), kept as text in
/// document order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Body {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, unique keys in document order.
    Map(Vec<(String, Node)>),
}

/// A scalar as written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scalar {
    /// The text after YAML unescaping and folding.
    pub(crate) text: String,
    /// Written without quotes or block indicators, so subject to type resolution.
    pub(crate) plain: bool,
    /// An explicit tag, as `handle` + `suffix` (`tag:yaml.org,2002:str` for `!!str`).
    pub(crate) tag: Option<String>,
}

impl Node {
    /// The scalar, if this is one.
    pub(crate) fn scalar(&self) -> Option<&Scalar> {
        match &self.body {
            Body::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// The value of `key`, if this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.body {
            Body::Map(entries) => entries
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, node)| node),
            _ => None,
        }
    }

    /// Whether this is a plain, untagged null (`~`, `null`, `Null`, `NULL` or nothing).
    pub(crate) fn is_null(&self) -> bool {
        self.scalar().is_some_and(|scalar| {
            scalar.plain
                && scalar.tag.is_none()
                && matches!(scalar.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
        })
    }

    fn count(&self) -> usize {
        match &self.body {
            Body::Scalar(_) => 1,
            Body::Seq(items) => 1 + items.iter().map(Node::count).sum::<usize>(),
            Body::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(_, node)| 1 + node.count())
                    .sum::<usize>()
            }
        }
    }
}

/// One YAML document of the input.
#[derive(Debug)]
pub(crate) struct YamlDocument {
    /// 0-based position among the documents of the input.
    pub(crate) index: usize,
    /// The root (`None` for an empty document), or why the document is not valid YAML.
    pub(crate) root: Result<Option<Node>, String>,
}

/// Splits `text` into documents and builds each one's tree.
pub(crate) fn parse_documents(text: &str) -> Vec<YamlDocument> {
    let mut documents = Vec::new();
    let mut offset = 0;
    let mut line_base = 0;
    while let Some(failed_at_line) = parse_chunk(&text[offset..], line_base, &mut documents) {
        // Resume at the first document marker after the line where the failed document
        // started; the offset strictly grows, so this ends.
        let Some((byte, line)) = next_document_marker(&text[offset..], failed_at_line) else {
            break;
        };
        offset += byte;
        line_base += line - 1;
    }
    documents
}

/// Parses documents from `chunk` into `documents`. Returns `None` at the end of the input,
/// or, after a YAML error, the chunk-relative line where the failed document started.
fn parse_chunk(chunk: &str, line_base: usize, documents: &mut Vec<YamlDocument>) -> Option<usize> {
    let mut parser = Parser::new_from_str(chunk);
    let mut builder: Option<Builder> = None;
    let mut document_line = 1;
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(error) => {
                let line = line_base + error.marker().line();
                documents.push(YamlDocument {
                    index: documents.len(),
                    root: Err(format!("{} (line {line})", error.info())),
                });
                return Some(document_line);
            }
        };
        match event {
            Event::StreamEnd => return None,
            Event::DocumentStart => {
                document_line = mark.line();
                builder = Some(Builder::new(line_base));
            }
            Event::DocumentEnd => {
                let root = builder.take().map_or(Ok(None), Builder::finish);
                documents.push(YamlDocument {
                    index: documents.len(),
                    root,
                });
                // A failure before the next document starts belongs to a document that
                // starts after this line.
                document_line = mark.line().max(document_line);
            }
            other => {
                if let Some(builder) = builder.as_mut() {
                    builder.event(other, mark);
                }
            }
        }
    }
}

/// The byte offset and 1-based line of the first `---` line after line `after`.
fn next_document_marker(chunk: &str, after: usize) -> Option<(usize, usize)> {
    let mut byte = 0;
    for (index, line) in chunk.split_inclusive('\n').enumerate() {
        let number = index + 1;
        if number > after {
            let rest = line.strip_prefix("---");
            if rest.is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace)) {
                return Some((byte, number));
            }
        }
        byte += line.len();
    }
    None
}

enum Frame {
    Seq {
        line: usize,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        line: usize,
        anchor: usize,
        entries: Vec<(String, Node)>,
        seen: HashSet<String>,
        key: Option<PendingKey>,
        merges: Vec<Node>,
    },
}

struct PendingKey {
    text: String,
    merge: bool,
}

/// Builds one document from parser events; after the first error it ignores the rest.
struct Builder {
    line_base: usize,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    root: Option<Node>,
    error: Option<String>,
}

impl Builder {
    fn new(line_base: usize) -> Builder {
        Builder {
            line_base,
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
            error: None,
        }
    }

    fn finish(self) -> Result<Option<Node>, String> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.root),
        }
    }

    fn fail(&mut self, line: usize, message: String) {
        if self.error.is_none() {
            self.error = Some(format!("{message} (line {line})"));
        }
    }

    fn event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = self.line_base + mark.line();
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let scalar = Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                    tag: tag.map(|tag| format!("{}{}", tag.handle, tag.suffix)),
                };
                let node = Node {
                    line,
                    body: Body::Scalar(scalar),
                };
                self.complete(node, anchor, 1);
            }
            Event::Alias(anchor) => {
                let Some(node) = self.anchors.get(&anchor).cloned() else {
                    self.fail(line, "alias to an unknown anchor".to_string());
                    return;
                };
                let count = node.count();
                self.complete(node, 0, count);
            }
            Event::SequenceStart(anchor, _) => {
                if self.open(line) {
                    self.stack.push(Frame::Seq {
                        line,
                        anchor,
                        items: Vec::new(),
                    });
                }
            }
            Event::MappingStart(anchor, _) => {
                if self.open(line) {
                    self.stack.push(Frame::Map {
                        line,
                        anchor,
                        entries: Vec::new(),
                        seen: HashSet::new(),
                        key: None,
                        merges: Vec::new(),
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }

    fn open(&mut self, line: usize) -> bool {
        if self.stack.len() >= MAX_DEPTH {
            self.fail(line, format!("nesting deeper than {MAX_DEPTH} levels"));
            return false;
        }
        true
    }

    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame {
            Frame::Seq {
                line,
                anchor,
                items,
            } => self.complete(
                Node {
                    line,
                    body: Body::Seq(items),
                },
                anchor,
                1,
            ),
            Frame::Map {
                line,
                anchor,
                mut entries,
                mut seen,
                merges,
                ..
            } => {
                for merge in merges {
                    if let Err(message) = apply_merge(&mut entries, &mut seen, merge) {
                        self.fail(line, message);
                        return;
                    }
                }
                self.complete(
                    Node {
                        line,
                        body: Body::Map(entries),
                    },
                    anchor,
                    1,
                );
            }
        }
    }

    /// Attaches a finished node (`count` nodes) to its parent, or makes it the root.
    fn complete(&mut self, node: Node, anchor: usize, count: usize) {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            self.fail(
                node.line,
                format!("document has more than {MAX_NODES} nodes"),
            );
            return;
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let line = node.line;
        let failure = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                None
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Map {
                entries,
                seen,
                key,
                merges,
                ..
            }) => match key.take() {
                Some(PendingKey { merge: true, .. }) => {
                    merges.push(node);
                    None
                }
                Some(PendingKey { text, .. }) => {
                    if seen.insert(text.clone()) {
                        entries.push((text, node));
                        None
                    } else {
                        Some(format!("duplicate key `{text}`"))
                    }
                }
                None => match node.body {
                    Body::Scalar(scalar) => {
                        let merge = scalar.plain && scalar.tag.is_none() && scalar.text == "<<";
                        *key = Some(PendingKey {
                            text: scalar.text,
                            merge,
                        });
                        None
                    }
                    _ => Some("mapping keys must be scalars".to_string()),
                },
            },
        };
        if let Some(message) = failure {
            self.fail(line, message);
        }
    }
}

/// Applies a YAML 1.1 merge key: entries of the merged mapping(s) that the mapping does not
/// define yet are added; with a list, earlier mappings win.
fn apply_merge(
    entries: &mut Vec<(String, Node)>,
    seen: &mut HashSet<String>,
    merge: Node,
) -> Result<(), String> {
    let sources = match merge.body {
        Body::Map(merged) => vec![merged],
        Body::Seq(items) => {
            let mut sources = Vec::with_capacity(items.len());
            for item in items {
                let Body::Map(merged) = item.body else {
                    return Err("merge key `<<` needs a mapping or a list of mappings".to_string());
                };
                sources.push(merged);
            }
            sources
        }
        Body::Scalar(_) => {
            return Err("merge key `<<` needs a mapping or a list of mappings".to_string())
        }
    };
    for merged in sources {
        for (key, value) in merged {
            if seen.insert(key.clone()) {
                entries.push((key, value));
            }
        }
    }
    Ok(())
}
