//! The wording of malformed-record reasons, shared by every reader so the
//! fast paths and the plain reading say the same thing.

use crate::record::Record;

/// The reason for a line that is not valid UTF-8.
pub fn utf8(e: &std::str::Utf8Error) -> String {
    format!("invalid UTF-8 at byte {}", e.valid_up_to() + 1)
}

/// The reason for a line serde_json rejects (its message, with the column).
pub fn json(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.rsplit_once(" at line ").map_or(&*msg, |(m, _)| m);
    format!("invalid JSON at column {}: {}", e.column(), msg)
}

/// The record for a line holding a JSON value that is not an object.
pub fn not_object<'a>(what: &str) -> Record<'a> {
    Record::malformed(format!("line holds {what}, not a JSON object"))
}

/// The record for an envelope element that is not an object.
pub fn element_not_object<'a>(what: &str) -> Record<'a> {
    Record::malformed(format!("envelope element is {what}, not an object"))
}
