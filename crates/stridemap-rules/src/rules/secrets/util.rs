//! Shared pieces of the secret rules.

use crate::secrets::{find_in_command, find_tokens, split_command, SecretHit};
use stridemap_model::{Location, Node};

/// Decodes standard or URL-safe base64 (padding optional, whitespace ignored).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        } as u32)
    }
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body: &[u8] = {
        let mut end = clean.len();
        while end > 0 && clean[end - 1] == b'=' {
            end -= 1;
        }
        &clean[..end]
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// The base64 text decoded as UTF-8, when it is valid base64 of valid text.
pub fn decode_base64_text(text: &str) -> Option<String> {
    decode_base64(text).and_then(|b| String::from_utf8(b).ok())
}

/// Credentials in the strings of one or more command fields, read together (a flag in
/// `command` may take its value from `args`). Each hit comes with the node that holds it.
pub fn find_in_command_nodes<'a>(strings: &[(&'a str, &'a Node)]) -> Vec<(SecretHit, Location)> {
    let mut words: Vec<String> = Vec::new();
    for (s, _) in strings {
        words.extend(split_command(s));
    }
    let refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut hits = find_in_command(&refs);
    // Tokens that contain spaces (`-----BEGIN RSA PRIVATE KEY-----`) do not survive word
    // splitting.
    for (s, _) in strings {
        for hit in find_tokens(s) {
            if !hits.iter().any(|h| h.value == hit.value) {
                hits.push(hit);
            }
        }
    }
    let mut seen: Vec<String> = Vec::new();
    hits.into_iter()
        .filter(|h| {
            if seen.contains(&h.value) {
                false
            } else {
                seen.push(h.value.clone());
                true
            }
        })
        .map(|h| {
            let loc = strings
                .iter()
                .find(|(s, _)| s.contains(h.value.as_str()))
                .or(strings.first())
                .map_or_else(Location::default, |(_, n)| n.loc);
            (h, loc)
        })
        .collect()
}

/// `a, b and c` for descriptions.
pub fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What was found, for a description: `password in a URL`, `GitHub token`; a hit recognised
/// only by its key name is just a `credential` (the key is named separately).
pub fn what(hit: &SecretHit) -> String {
    if hit.what.starts_with("credential in `") {
        "credential".to_string()
    } else {
        hit.what.clone()
    }
}

/// The distinct kinds of credential found, for a description (never the values).
pub fn kinds(hits: &[&SecretHit]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for h in hits {
        let w = if h.by_format { h.what.clone() } else { what(h) };
        if !seen.contains(&w) {
            seen.push(w);
        }
    }
    if hits.len() == 1 {
        let w = &seen[0];
        let article = if w.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {w}")
    } else {
        format!("{} credentials ({})", hits.len(), join_words(&seen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(decode_base64_text("cm9vdA==").as_deref(), Some("root"));
        assert_eq!(decode_base64_text("cm9vdA").as_deref(), Some("root"));
        assert_eq!(
            decode_base64_text("c2stbGl2ZS1hYmMxMjN4eXo=").as_deref(),
            Some("sk-live-abc123xyz")
        );
        assert_eq!(decode_base64_text(""), Some(String::new()));
        assert_eq!(decode_base64("not base64!"), None);
    }
}
