//! API tokens: `Authorization: Bearer <token>` on every route but `/api/health`.
//!
//! Only SHA-256 digests of tokens are held in memory; a presented token is hashed and
//! compared with every known digest in constant time, so timing says nothing about how much
//! of a token was right. With no token configured, the server makes one at first start and
//! keeps it in `<data_dir>/api-token` (mode 0600), so a fresh install is never open.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::{AuthSection, Role};
use crate::ServerError;

/// Who made a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// The known tokens.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    entries: Vec<([u8; 32], Caller)>,
}

/// The generated token's file name under the data directory.
pub const TOKEN_FILE: &str = "api-token";

impl Tokens {
    /// The tokens of `[auth]`; with none, the generated admin token of `data_dir` (made now
    /// if absent). Returns the tokens and, when one was generated or read from the data
    /// directory, where it is (to tell the operator).
    pub fn load(
        auth: &AuthSection,
        data_dir: &Path,
    ) -> Result<(Tokens, Option<std::path::PathBuf>), ServerError> {
        let mut tokens = Tokens::default();
        for token in &auth.tokens {
            let digest = match (&token.token_sha256, &token.token_env) {
                (Some(hex), _) => parse_digest(hex).ok_or_else(|| ServerError::Config {
                    path: "[auth]".to_owned(),
                    message: format!("`token_sha256` of `{}` is not 64 hex digits", token.name),
                })?,
                (None, Some(var)) => {
                    let value = std::env::var(var).map_err(|_| ServerError::Config {
                        path: "[auth]".to_owned(),
                        message: format!(
                            "environment variable `{var}` (token `{}`) is not set",
                            token.name
                        ),
                    })?;
                    digest(value.trim())
                }
                (None, None) => unreachable_config(&token.name)?,
            };
            tokens.add(digest, token.name.clone(), token.role);
        }
        if !tokens.entries.is_empty() {
            return Ok((tokens, None));
        }
        let path = data_dir.join(TOKEN_FILE);
        let token = match std::fs::read_to_string(&path) {
            Ok(text) => text.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let token = generate_token()?;
                write_private(&path, &token)?;
                token
            }
            Err(source) => {
                return Err(ServerError::Io {
                    what: format!("cannot read `{}`", path.display()),
                    source,
                })
            }
        };
        tokens.add(digest(&token), "local-admin".to_owned(), Role::Admin);
        Ok((tokens, Some(path)))
    }

    /// Adds a token by its digest.
    pub fn add(&mut self, digest: [u8; 32], name: String, role: Role) {
        self.entries.push((digest, Caller { name, role }));
    }

    /// Adds every token of `other`.
    pub fn extend(&mut self, other: Tokens) {
        self.entries.extend(other.entries);
    }

    /// Adds a token by its clear text (tests, and the demo).
    pub fn add_token(&mut self, token: &str, name: &str, role: Role) {
        self.add(digest(token), name.to_owned(), role);
    }

    /// The caller a presented token belongs to.
    pub fn verify(&self, presented: &str) -> Option<Caller> {
        let presented = digest(presented);
        let mut found = None;
        // Every entry is compared, whatever matched, so the time taken does not depend on
        // which token (if any) the caller holds.
        for (known, caller) in &self.entries {
            if constant_time_eq(known, &presented) {
                found = Some(caller.clone());
            }
        }
        found
    }
}

fn unreachable_config(name: &str) -> Result<[u8; 32], ServerError> {
    Err(ServerError::Config {
        path: "[auth]".to_owned(),
        message: format!("token `{name}` has neither `token_sha256` nor `token_env`"),
    })
}

/// SHA-256 of a token.
pub fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim().as_bytes();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let mut difference = 0u8;
    for (x, y) in a.iter().zip(b) {
        difference |= x ^ y;
    }
    difference == 0
}

/// A new random token: 32 bytes from the OS, hex.
pub fn generate_token() -> Result<String, ServerError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServerError::Io {
        what: "cannot get random bytes for the API token".to_owned(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn write_private(path: &Path, text: &str) -> Result<(), ServerError> {
    use std::io::Write;
    let io_error = |source| ServerError::Io {
        what: format!("cannot write `{}`", path.display()),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_error)?;
    file.write_all(text.as_bytes()).map_err(io_error)?;
    file.write_all(b"\n").map_err(io_error)?;
    file.sync_all().map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TokenConfig;

    #[test]
    fn a_token_is_known_by_its_digest_only() {
        let mut tokens = Tokens::default();
        tokens.add_token("s3cret", "ci", Role::Ingest);
        assert_eq!(
            tokens.verify("s3cret"),
            Some(Caller {
                name: "ci".to_owned(),
                role: Role::Ingest
            })
        );
        assert_eq!(tokens.verify("s3cret "), None);
        assert_eq!(tokens.verify(""), None);
    }

    #[test]
    fn configured_digests_are_parsed() {
        let auth = AuthSection {
            tokens: vec![TokenConfig {
                name: "viewer".to_owned(),
                // SHA-256 of "abc".
                token_sha256: Some(
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned(),
                ),
                token_env: None,
                role: Role::Viewer,
            }],
        };
        let dir = tempfile::tempdir().unwrap();
        let (tokens, generated) = Tokens::load(&auth, dir.path()).unwrap();
        assert!(generated.is_none());
        assert_eq!(tokens.verify("abc").map(|c| c.role), Some(Role::Viewer));
    }

    #[test]
    fn without_tokens_one_is_generated_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let (first, path) = Tokens::load(&AuthSection::default(), dir.path()).unwrap();
        let path = path.unwrap();
        let token = std::fs::read_to_string(&path).unwrap();
        assert_eq!(token.trim().len(), 64);
        assert!(first.verify(token.trim()).is_some());
        let (second, _) = Tokens::load(&AuthSection::default(), dir.path()).unwrap();
        assert!(
            second.verify(token.trim()).is_some(),
            "the same token after a restart"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
