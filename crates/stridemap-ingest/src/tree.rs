//! A small text format for a tree of files held in one buffer, for [`crate::ingest_files`]:
//! a line `=== <path>` starts a file, whose contents run to the next such line. Bytes before the
//! first marker are ignored. Used by the whole-scan fuzz target and its seed corpus.

/// What starts a file's header line.
pub const MARKER: &[u8] = b"=== ";

/// The files of a tree buffer, as `(path, contents)`; paths are cleaned of `.`/`..` parts,
/// leading slashes and empty segments, and files with an empty path are dropped.
pub fn split(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut current: Option<(String, Vec<u8>)> = None;
    for line in data.split_inclusive(|&b| b == b'\n') {
        if let Some(header) = line.strip_prefix(MARKER) {
            files.extend(current.take());
            let path = String::from_utf8_lossy(header);
            current = Some((clean(path.trim_end_matches(['\n', '\r'])), Vec::new()));
        } else if let Some((_, contents)) = current.as_mut() {
            contents.extend_from_slice(line);
        }
    }
    files.extend(current);
    files.retain(|(path, _)| !path.is_empty());
    files
}

/// Joins files into a tree buffer (the inverse of [`split`] for clean paths).
pub fn join<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, contents) in files {
        out.extend_from_slice(MARKER);
        out.extend_from_slice(path.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(contents);
        if !contents.is_empty() && !contents.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

fn clean(path: &str) -> String {
    path.split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != "." && *part != "..")
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_joins() {
        let files = split(b"junk\n=== a/b.yaml\nx: 1\n=== /../c/./Dockerfile\nFROM x\n=== \n");
        assert_eq!(
            files,
            vec![
                ("a/b.yaml".to_string(), b"x: 1\n".to_vec()),
                ("c/Dockerfile".to_string(), b"FROM x\n".to_vec()),
            ]
        );
        let joined = join(files.iter().map(|(p, c)| (p.as_str(), c.as_slice())));
        assert_eq!(split(&joined), files);
    }
}
