//! Java-style `.properties` files.

use java_properties::{LineContent, PropertiesIter};
use stridemap_model::properties::{PropertiesFile, Property};
use stridemap_model::{FileId, Location};

/// Parses a properties file; an error stops at its line and keeps what came before.
pub fn parse(file: FileId, text: &str) -> (PropertiesFile, Option<(u32, String)>) {
    let mut entries = Vec::new();
    let mut error = None;
    for line in PropertiesIter::new(text.as_bytes()) {
        match line {
            Ok(line) => {
                let number = line.line_number() as u32;
                if let LineContent::KVPair(key, value) = line.consume_content() {
                    entries.push(Property {
                        key,
                        value,
                        loc: Location::new(number, 1),
                    });
                }
            }
            Err(e) => {
                error = Some((e.line_number().unwrap_or(0) as u32, e.to_string()));
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
        let (p, err) = parse(
            FileId(0),
            "# broker\nlisteners=PLAINTEXT://0.0.0.0:9092\n\nsasl.enabled.mechanisms = PLAIN\n",
        );
        assert!(err.is_none());
        assert_eq!(p.get("listeners").unwrap().loc.line, 2);
        assert_eq!(p.get("sasl.enabled.mechanisms").unwrap().value, "PLAIN");
    }
}
