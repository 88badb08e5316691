//! Source locations and evidence.

use serde::{Deserialize, Serialize};

/// A point in a scanned file: 1-based line and column.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(line: u32, column: u32) -> Self {
        Location { line, column }
    }
}

/// One place in the repository that shows a threat. `file` is relative to the scanned root;
/// `snippet` is the source line, with any secret value replaced by a redaction marker.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Evidence {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub snippet: String,
}
