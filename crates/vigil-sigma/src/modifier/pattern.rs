//! Sigma strings: wildcards and escapes, `windash`, `expand` placeholders, anchoring.
//!
//! A string is parsed once into tokens; the modifiers rewrite tokens, and the leaf compiler
//! turns them into a literal test or an anchored regex.

use std::collections::HashMap;

use super::{reason, ModifierError, MAX_ALTERNATIVES};

/// The characters `windash` lets a dash be.
pub(crate) const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// One token of a Sigma string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A literal character.
    Lit(char),
    /// `*`: any run of characters.
    Star,
    /// `?`: exactly one character.
    One,
    /// A `windash` position: one of [`DASHES`].
    Dash,
}

/// A parsed Sigma string.
pub(crate) type Pattern = Vec<Tok>;

/// Parses a Sigma string as pySigma does: `*` and `?` are wildcards; a backslash escapes
/// `*`, `?` and itself; before any other character (or at the end) a backslash is literal.
pub(crate) fn parse(raw: &str) -> Pattern {
    let mut tokens = Vec::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    tokens.push(Tok::Lit(next));
                }
                _ => tokens.push(Tok::Lit('\\')),
            },
            '*' => tokens.push(Tok::Star),
            '?' => tokens.push(Tok::One),
            other => tokens.push(Tok::Lit(other)),
        }
    }
    tokens
}

/// A pattern of literal characters only.
pub(crate) fn literal(text: &str) -> Pattern {
    text.chars().map(Tok::Lit).collect()
}

/// The literal text of a pattern with no wildcard or dash token.
pub(crate) fn as_literal(pattern: &[Tok]) -> Option<String> {
    pattern
        .iter()
        .map(|tok| match tok {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
        .collect()
}

/// Whether the pattern holds a `*` or `?`.
pub(crate) fn has_wildcards(pattern: &[Tok]) -> bool {
    pattern
        .iter()
        .any(|tok| matches!(tok, Tok::Star | Tok::One))
}

/// Adds a `*` at the start and/or end unless one is there already (as pySigma's `contains`,
/// `startswith`, `endswith`).
pub(crate) fn anchor(pattern: &mut Pattern, any_start: bool, any_end: bool) {
    if any_start && pattern.first() != Some(&Tok::Star) {
        pattern.insert(0, Tok::Star);
    }
    if any_end && pattern.last() != Some(&Tok::Star) {
        pattern.push(Tok::Star);
    }
}

/// Python's `\w`, close enough: letters, digits, underscore.
fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `windash`: pySigma replaces every match of `\B[-/]\b` inside each literal run (runs are
/// cut by wildcards) with each of the five dashes.
pub(crate) fn windash(pattern: &[Tok]) -> Pattern {
    let mut out = pattern.to_vec();
    for index in 0..out.len() {
        let Tok::Lit(c @ ('-' | '/')) = pattern[index] else {
            continue;
        };
        debug_assert!(!is_word(c));
        let before = index.checked_sub(1).and_then(|i| match pattern[i] {
            Tok::Lit(p) => Some(p),
            _ => None,
        });
        let after = match pattern.get(index + 1) {
            Some(Tok::Lit(n)) => Some(*n),
            _ => None,
        };
        let no_boundary_before = before.is_none_or(|p| !is_word(p));
        let boundary_after = after.is_some_and(is_word);
        if no_boundary_before && boundary_after {
            out[index] = Tok::Dash;
        }
    }
    out
}

/// Every concrete pattern a pattern with dash tokens stands for, at most `MAX_ALTERNATIVES`.
pub(crate) fn expand_dashes(pattern: &[Tok]) -> Result<Vec<Pattern>, ModifierError> {
    let dashes = pattern.iter().filter(|tok| **tok == Tok::Dash).count();
    let total = u32::try_from(dashes)
        .ok()
        .and_then(|d| 5usize.checked_pow(d))
        .filter(|total| *total <= MAX_ALTERNATIVES)
        .ok_or_else(|| too_many(format!("`windash` with {dashes} dashes")))?;
    let mut out = Vec::with_capacity(total);
    for mut number in 0..total {
        let variant = pattern
            .iter()
            .map(|tok| match tok {
                Tok::Dash => {
                    let dash = DASHES[number % 5];
                    number /= 5;
                    Tok::Lit(dash)
                }
                other => *other,
            })
            .collect();
        out.push(variant);
    }
    Ok(out)
}

fn too_many(what: String) -> ModifierError {
    ModifierError::new(
        reason::TOO_MANY_VARIANTS,
        format!("{what} makes more than {MAX_ALTERNATIVES} alternatives"),
    )
}

/// A piece of a pattern during placeholder expansion.
enum Piece {
    Fixed(Pattern),
    Placeholder(String),
}

/// `expand`: replaces `%name%` (not after a backslash, inside one literal run) with each
/// configured value, parsed as a Sigma string; `\%` becomes `%`. Returns every combination.
pub(crate) fn expand_placeholders(
    pattern: &[Tok],
    placeholders: &HashMap<String, Vec<String>>,
) -> Result<Vec<Pattern>, ModifierError> {
    let pieces = split_placeholders(pattern);
    let mut results: Vec<Pattern> = vec![Vec::new()];
    for piece in pieces {
        match piece {
            Piece::Fixed(tokens) => {
                for result in &mut results {
                    result.extend_from_slice(&tokens);
                }
            }
            Piece::Placeholder(name) => {
                let Some(values) = placeholders.get(&name) else {
                    return Err(ModifierError::new(
                        reason::UNRESOLVED_PLACEHOLDER,
                        format!("placeholder `%{name}%` has no configured values"),
                    ));
                };
                if results.len().saturating_mul(values.len()) > MAX_ALTERNATIVES {
                    return Err(too_many(format!("placeholder `%{name}%`")));
                }
                let parsed: Vec<Pattern> = values.iter().map(|value| parse(value)).collect();
                results = results
                    .iter()
                    .flat_map(|prefix| {
                        parsed.iter().map(move |value| {
                            let mut joined = prefix.clone();
                            joined.extend_from_slice(value);
                            joined
                        })
                    })
                    .collect();
            }
        }
    }
    Ok(results)
}

fn split_placeholders(pattern: &[Tok]) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut index = 0;
    while index < pattern.len() {
        let Tok::Lit(_) = pattern[index] else {
            pieces.push(Piece::Fixed(vec![pattern[index]]));
            index += 1;
            continue;
        };
        let end = pattern[index..]
            .iter()
            .position(|tok| !matches!(tok, Tok::Lit(_)))
            .map_or(pattern.len(), |offset| index + offset);
        let run: Vec<char> = pattern[index..end]
            .iter()
            .filter_map(|tok| match tok {
                Tok::Lit(c) => Some(*c),
                _ => None,
            })
            .collect();
        split_run(&run, &mut pieces);
        index = end;
    }
    pieces
}

/// Splits one literal run at its placeholders (pySigma's `(?<!\\)%(\w+)%`).
fn split_run(run: &[char], pieces: &mut Vec<Piece>) {
    let mut segment_start = 0;
    let mut index = 0;
    while index < run.len() {
        let escaped = index > 0 && run[index - 1] == '\\';
        if run[index] == '%' && !escaped {
            let name_end = run[index + 1..]
                .iter()
                .position(|c| !is_word(*c))
                .map_or(run.len(), |offset| index + 1 + offset);
            if name_end > index + 1 && run.get(name_end) == Some(&'%') {
                pieces.push(Piece::Fixed(unescape_percent(&run[segment_start..index])));
                pieces.push(Piece::Placeholder(
                    run[index + 1..name_end].iter().collect(),
                ));
                index = name_end + 1;
                segment_start = index;
                continue;
            }
        }
        index += 1;
    }
    pieces.push(Piece::Fixed(unescape_percent(&run[segment_start..])));
}

fn unescape_percent(run: &[char]) -> Pattern {
    let mut out = Vec::with_capacity(run.len());
    let mut index = 0;
    while index < run.len() {
        if run[index] == '\\' && run.get(index + 1) == Some(&'%') {
            out.push(Tok::Lit('%'));
            index += 2;
        } else {
            out.push(Tok::Lit(run[index]));
            index += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders tokens: literals as is, `*`, `?`, and `~` for a dash position.
    fn show(pattern: &[Tok]) -> String {
        pattern
            .iter()
            .map(|tok| match tok {
                Tok::Lit(c) => *c,
                Tok::Star => '*',
                Tok::One => '?',
                Tok::Dash => '~',
            })
            .collect()
    }

    #[test]
    fn escapes_follow_pysigma() {
        assert_eq!(parse(r"a\*b"), literal("a*b"));
        assert_eq!(parse(r"a\?b"), literal("a?b"));
        assert_eq!(parse(r"C:\\Windows"), literal(r"C:\Windows"));
        assert_eq!(parse(r"C:\Windows\"), literal(r"C:\Windows\"));
        let mut backslash_then_star = literal("\\");
        backslash_then_star.push(Tok::Star);
        assert_eq!(parse(r"\\*"), backslash_then_star);
        assert_eq!(parse(r"\\\*"), literal(r"\*"));
        assert_eq!(parse(r"\\\\"), literal(r"\\"));
        assert_eq!(show(&parse("a*b?c")), "a*b?c");
    }

    #[test]
    fn windash_replaces_dashes_that_start_a_word() {
        assert_eq!(show(&windash(&parse(" -enc "))), " ~enc ");
        assert_eq!(show(&windash(&parse("-param-name"))), "~param-name");
        assert_eq!(show(&windash(&parse("/c"))), "~c");
        assert_eq!(show(&windash(&parse("a-b"))), "a-b");
        assert_eq!(show(&windash(&parse("--foo"))), "-~foo");
        assert_eq!(show(&windash(&parse("- x"))), "- x");
        // A wildcard cuts the literal run: the dash after it starts the run.
        assert_eq!(show(&windash(&parse("*-x"))), "*~x");
        assert_eq!(show(&windash(&parse("a*b-x"))), "a*b-x");
    }

    #[test]
    fn dash_expansion_makes_every_combination() {
        let variants = expand_dashes(&windash(&parse(" -a -b"))).unwrap();
        assert_eq!(variants.len(), 25);
        let texts: Vec<String> = variants.iter().map(|v| show(v)).collect();
        assert!(texts.contains(&" -a -b".to_owned()));
        assert!(texts.contains(&" /a \u{2015}b".to_owned()));
        let many = windash(&parse(" -a -b -c -d -e -f"));
        assert_eq!(
            expand_dashes(&many).err().map(|e| e.reason),
            Some(reason::TOO_MANY_VARIANTS)
        );
    }

    #[test]
    fn placeholders_expand_to_every_combination() {
        let mut values = HashMap::new();
        values.insert("a".to_owned(), vec!["x".to_owned(), "y*".to_owned()]);
        values.insert("b".to_owned(), vec!["1".to_owned()]);
        let out = expand_placeholders(&parse("%a%-%b%"), &values).unwrap();
        let texts: Vec<String> = out.iter().map(|p| show(p)).collect();
        assert_eq!(texts, ["x-1", "y*-1"]);
        let escaped = expand_placeholders(&parse(r"\%a% 100%"), &values).unwrap();
        assert_eq!(show(&escaped[0]), "%a% 100%");
        let missing = expand_placeholders(&parse("%zz%"), &values).err();
        assert_eq!(
            missing.map(|e| e.reason),
            Some(reason::UNRESOLVED_PLACEHOLDER)
        );
    }
}
