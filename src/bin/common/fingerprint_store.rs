//! What both fingerprints share: the hash of a protocol behaviour, and the `--data-dir` tree
//! they are kept in (telnetlib3's layout: `DIR/server/HASH/SESSION.json` for servers probed by
//! `ironboa-fingerprint`, `DIR/client/HASH/SESSION.json` for clients probed by
//! `ironboa-server --shell fingerprint`).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// At most this many fingerprint folders per side (telnetlib3's
/// `TELNETLIB3_FINGERPRINT_MAX_FINGERPRINTS` default): a stream of ever-new peers cannot fill
/// the disk.
pub const MAX_FINGERPRINTS: usize = 1000;
/// At most this many session files in one fingerprint folder (telnetlib3's
/// `TELNETLIB3_FINGERPRINT_MAX_FILES` default).
pub const MAX_FILES: usize = 1000;

/// The first 16 hex digits of the SHA-256 of the value's canonical JSON (keys sorted, no
/// spaces), as telnetlib3 hashes its fingerprints.
pub fn hash_of(value: &Value) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::to_string(value).unwrap_or_default();
    let digest = Sha256::digest(canonical.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Writes `document` as `DIR/SIDE/HASH/SESSION.json`, replacing a file of the same session.
/// Refuses (with the reason) a new folder past [`MAX_FINGERPRINTS`] or a new file past
/// [`MAX_FILES`]. The file is written under a temporary name and renamed, so a reader never
/// sees half of it.
pub fn save(
    data_dir: &Path,
    side: &str,
    hash: &str,
    session: &str,
    document: &Value,
) -> Result<PathBuf, String> {
    let side_dir = data_dir.join(side);
    let folder = side_dir.join(hash);
    if !folder.exists() && entries(&side_dir) >= MAX_FINGERPRINTS {
        return Err(format!(
            "{}: already {MAX_FINGERPRINTS} fingerprints, not saving {hash}",
            side_dir.display()
        ));
    }
    let path = folder.join(format!("{session}.json"));
    if !path.exists() && entries(&folder) >= MAX_FILES {
        return Err(format!(
            "{}: already {MAX_FILES} sessions, not saving",
            folder.display()
        ));
    }
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let text = serde_json::to_string_pretty(document).map_err(|e| e.to_string())?;
    let partial = folder.join(format!(".{session}.json.partial"));
    std::fs::write(&partial, format!("{text}\n"))
        .and_then(|()| std::fs::rename(&partial, &path))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// A JSON list as words for a summary line (`-` when empty or absent).
pub fn list(value: &Value) -> String {
    match value.as_array() {
        Some(items) if !items.is_empty() => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(" "),
        _ => "-".to_owned(),
    }
}
