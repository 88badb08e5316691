//! Java-style `.properties` files.

use java_properties::{LineContent, PropertiesIter};
use stridemap_model::properties::{PropertiesFile, Property};
use stridemap_model::{FileId, Location};

use crate::budget::{Budget, Meter};

/// Why reading a properties file stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Malformed input at this line.
    Syntax(u32, String),
    /// The time budget ran out before this line.
    TimeBudget(u32),
}

/// Parses a properties file within a time budget (checked every few hundred lines). A syntax
/// error or the budget running out stops at that line; what came before is kept.
pub fn parse_within(file: FileId, text: &str, budget: Budget) -> (PropertiesFile, Option<Stop>) {
    let mut entries = Vec::new();
    let mut error = None;
    let mut meter = Meter::new(budget, 256);
    let mut last_line = 0u32;
    for line in PropertiesIter::new(text.as_bytes()) {
        if meter.over() {
            error = Some(Stop::TimeBudget(last_line + 1));
            break;
        }
        match line {
            Ok(line) => {
                let number = line.line_number() as u32;
                last_line = number;
                if let LineContent::KVPair(key, value) = line.consume_content() {
                    entries.push(Property {
                        key,
                        value,
                        loc: Location::new(number, 1),
                    });
                }
            }
            Err(e) => {
                error = Some(Stop::Syntax(
                    e.line_number().unwrap_or(0) as u32,
                    e.to_string(),
                ));
                break;
            }
        }
    }
    (PropertiesFile { file, entries }, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_with_lines() {
        let (p, err) = parse_within(
            FileId(0),
            "# broker\nlisteners=PLAINTEXT://0.0.0.0:9092\n\nsasl.enabled.mechanisms = PLAIN\n",
            Budget::unlimited(),
        );
        assert!(err.is_none());
        assert_eq!(p.get("listeners").unwrap().loc.line, 2);
        assert_eq!(p.get("sasl.enabled.mechanisms").unwrap().value, "PLAIN");
    }
}
