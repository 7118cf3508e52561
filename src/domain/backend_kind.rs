//! Which publishing API an offer is on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which API an offer is published through (`backend = "cpp"` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The Cloud Partner Portal API (offers integrated before Partner Center).
    #[default]
    Cpp,
    /// The Partner Center Product Ingestion API (every offer since).
    Ingestion,
}

impl BackendKind {
    pub const ALL: [BackendKind; 2] = [BackendKind::Cpp, BackendKind::Ingestion];

    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Cpp => "cpp",
            BackendKind::Ingestion => "ingestion",
        }
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = BackendKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "backend = {s:?} is unknown; use one of {}",
                    known.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_from_their_names() {
        for kind in BackendKind::ALL {
            assert_eq!(kind.as_str().parse::<BackendKind>(), Ok(kind));
        }
        assert!("nope".parse::<BackendKind>().is_err());
    }
}
