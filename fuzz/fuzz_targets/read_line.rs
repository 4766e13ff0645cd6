//! One line through the streaming reader and the plain reading: never a
//! panic, and always the same outcome (records, kinds, reasons).
#![no_main]

use calltally::extract::json;
use calltally::reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.contains(&b'\n') {
        return;
    }
    let fast = json::read_line(data);
    let plain = reference::read_line(data);
    assert_eq!(fast, plain, "{:?}", String::from_utf8_lossy(data));
});
