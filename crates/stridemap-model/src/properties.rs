//! Java-style `.properties` files (Kafka `server.properties` and friends).

use crate::corpus::FileId;
use crate::location::Location;

#[derive(Debug, Clone)]
pub struct PropertiesFile {
    pub file: FileId,
    pub entries: Vec<Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub key: String,
    pub value: String,
    pub loc: Location,
}

impl PropertiesFile {
    /// The last definition of `key` wins, as in `java.util.Properties`.
    pub fn get(&self, key: &str) -> Option<&Property> {
        self.entries.iter().rev().find(|p| p.key == key)
    }
}
