//! `vigil.toml`: what `vigil serve` listens on, where it keeps data, who may call it, which
//! rules run and which sources it collects from. Every table is optional: an empty file (or
//! none) gives a server on loopback storing under `./vigil-data`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::ServerError;

/// The whole configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    /// Listening address, limits, data directory.
    #[serde(default)]
    pub server: ServerSection,
    /// API tokens.
    #[serde(default)]
    pub auth: AuthSection,
    /// Rules, indicators, analytics.
    #[serde(default)]
    pub detection: DetectionSection,
    /// Event store retention and commit cadence.
    #[serde(default)]
    pub store: StoreSection,
    /// Pull and listen sources (`[[sources]]`).
    #[serde(default)]
    pub sources: Vec<vigil_sources::SourceConfig>,
}

impl ServeConfig {
    /// Reads and validates `path`; errors name the file and, for TOML errors, the line.
    pub fn load(path: &Path) -> Result<ServeConfig, ServerError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServerError::Io {
            what: format!("cannot read `{}`", path.display()),
            source,
        })?;
        ServeConfig::parse(&text).map_err(|message| ServerError::Config {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> Result<ServeConfig, String> {
        let config: ServeConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if self.server.max_body_bytes == 0 {
            return Err("`server.max_body_bytes` must be above 0".to_owned());
        }
        if self.server.queue_chunks == 0 {
            return Err("`server.queue_chunks` must be above 0".to_owned());
        }
        for (index, token) in self.auth.tokens.iter().enumerate() {
            let given = [token.token_sha256.is_some(), token.token_env.is_some()]
                .iter()
                .filter(|set| **set)
                .count();
            if given != 1 {
                return Err(format!(
                    "`auth.tokens[{index}]` (`{}`) needs exactly one of `token_sha256` and `token_env`",
                    token.name
                ));
            }
        }
        Ok(())
    }
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSection {
    /// Address the HTTP API listens on.
    pub listen: SocketAddr,
    /// Where the event store, the state database and the generated token live.
    pub data_dir: PathBuf,
    /// Largest accepted request body (compressed size for gzip pushes); larger gets 413.
    pub max_body_bytes: usize,
    /// Largest decompressed push batch.
    pub max_decompressed_bytes: u64,
    /// Chunks waiting for the pipeline before push clients get 503 and pull sources wait.
    pub queue_chunks: usize,
    /// Bytes of chunks waiting or in work before push clients get 503 and pull sources wait.
    pub max_queue_bytes: u64,
    /// Normalize/detect worker threads (default: the number of cores).
    pub workers: Option<usize>,
}

impl Default for ServerSection {
    fn default() -> ServerSection {
        ServerSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 8470)),
            data_dir: PathBuf::from("vigil-data"),
            max_body_bytes: 16 * 1024 * 1024,
            max_decompressed_bytes: 256 * 1024 * 1024,
            queue_chunks: 64,
            max_queue_bytes: 256 * 1024 * 1024,
            workers: None,
        }
    }
}

/// `[auth]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSection {
    /// API tokens. With none configured, `vigil serve` generates one at first start and
    /// keeps it in `<data_dir>/api-token` (mode 0600).
    pub tokens: Vec<TokenConfig>,
}

/// One API token: the secret is never written in the file, only its SHA-256 or the name of
/// the environment variable that holds it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Who holds it (appears in the audit log).
    pub name: String,
    /// Hex SHA-256 of the token.
    pub token_sha256: Option<String>,
    /// Environment variable holding the token.
    pub token_env: Option<String>,
    /// What it may do.
    #[serde(default)]
    pub role: Role,
}

/// What a token may do.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Push events only (collectors, Logpush jobs, webhooks).
    Ingest,
    /// Read events, alerts and rules.
    Viewer,
    /// Viewer, plus update alerts.
    Analyst,
    /// Everything, including rule changes.
    #[default]
    Admin,
}

impl Role {
    /// The role's name.
    pub fn name(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may read (search, alerts, rules).
    pub fn can_read(self) -> bool {
        self >= Role::Viewer
    }

    /// Whether this role may push events.
    pub fn can_ingest(self) -> bool {
        self == Role::Ingest || self == Role::Admin
    }
}

/// `[detection]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DetectionSection {
    /// Run the built-in IBM Cloud rule pack.
    pub builtin_rules: bool,
    /// Extra Sigma rule files or folders.
    pub rule_paths: Vec<PathBuf>,
    /// Indicator files (STIX 2.1 bundles, plain or CSV lists).
    pub intel_paths: Vec<PathBuf>,
    /// Run the behavioural analytics.
    pub analytics: bool,
    /// How often the correlation state is saved (event windows survive a restart).
    pub snapshot_interval_secs: u64,
}

impl Default for DetectionSection {
    fn default() -> DetectionSection {
        DetectionSection {
            builtin_rules: true,
            rule_paths: Vec::new(),
            intel_paths: Vec::new(),
            analytics: true,
            snapshot_interval_secs: 10,
        }
    }
}

/// `[store]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSection {
    /// Drop partitions older than this many days (0: keep forever).
    pub retention_days: u64,
    /// Drop the oldest partitions while the store is larger than this (0: no limit).
    pub max_bytes: u64,
    /// Index commit interval: events become searchable within about this long.
    pub commit_interval_secs: u64,
    /// How often retention runs (whole partitions past `retention_days` or `max_bytes` are
    /// dropped).
    pub retention_interval_secs: u64,
    /// Where `POST /api/export` writes Parquet files (default `<data_dir>/lake`).
    pub export_dir: Option<PathBuf>,
}

impl Default for StoreSection {
    fn default() -> StoreSection {
        StoreSection {
            retention_days: 90,
            max_bytes: 0,
            commit_interval_secs: 2,
            retention_interval_secs: 300,
            export_dir: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_default() {
        let config = ServeConfig::parse("").unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8470");
        assert_eq!(config.server.data_dir, PathBuf::from("vigil-data"));
        assert!(config.detection.builtin_rules);
        assert!(config.sources.is_empty());
    }

    #[test]
    fn unknown_keys_are_errors_that_name_them() {
        let error = ServeConfig::parse("[server]\nlisten_on = \"0.0.0.0:1\"\n").unwrap_err();
        assert!(error.contains("listen_on"), "{error}");
    }

    /// The example of the README parses (so the documentation cannot rot).
    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("```toml\n[server]")
            .expect("the README has the example");
        let body = &readme[start + "```toml\n".len()..];
        let end = body.find("```").unwrap();
        let config = ServeConfig::parse(&body[..end]).unwrap();
        assert_eq!(config.sources.len(), 4);
        assert_eq!(config.auth.tokens[0].role, Role::Ingest);
    }

    #[test]
    fn a_token_needs_exactly_one_secret() {
        let error = ServeConfig::parse("[[auth.tokens]]\nname = \"ci\"\n").unwrap_err();
        assert!(error.contains("exactly one"), "{error}");
        let config = ServeConfig::parse(
            "[[auth.tokens]]\nname = \"ci\"\ntoken_env = \"VIGIL_CI_TOKEN\"\nrole = \"ingest\"\n",
        )
        .unwrap();
        assert_eq!(config.auth.tokens[0].role, Role::Ingest);
    }
}
