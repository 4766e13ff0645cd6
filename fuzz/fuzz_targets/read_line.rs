//! One line through the fast scanner, the serde reader and the plain
//! reading: never a panic, and always the same outcome (records, kinds,
//! reasons) wherever the scanner answers.
#![no_main]

use calltally::testing::tree as reference;
use calltally::testing::{fast, json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.contains(&b'\n') {
        return;
    }
    let shown = String::from_utf8_lossy(data);
    let serde = json::read_line(data);
    let plain = reference::read_line(data);
    assert_eq!(serde, plain, "{shown:?}");
    if let Some(f) = fast::read_line(data) {
        assert_eq!(f, serde, "{shown:?}");
    }
});
