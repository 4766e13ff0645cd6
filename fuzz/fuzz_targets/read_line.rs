//! One line through the fast scanner, the serde reader and the plain
//! reading: never a panic, and always the same outcome (records, kinds,
//! reasons) wherever the scanner answers; again with `field:` dimensions
//! (names of no key, and names of keys of the table, read both ways).
#![no_main]

use std::sync::OnceLock;

use calltally::testing::tree as reference;
use calltally::testing::{fast, json, Roles};
use libfuzzer_sys::fuzz_target;

/// What a run with `field:` dimensions wants read.
fn with_fields() -> Roles {
    static WANTED: OnceLock<Roles> = OnceLock::new();
    *WANTED.get_or_init(|| {
        let now = calltally::testing::time::parse("2026-11-20T12:00:00Z")
            .expect("a time");
        let by = "field:a,field:code,field:category,field:resultType,\
                  field:OperationPayload,field:correlationId";
        let plan =
            calltally::Plan::from_args(&[by.into()], None, None, &[], 10, None, now)
                .expect("a plan");
        plan.wanted()
    })
}

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
    let wanted = with_fields();
    let serde = json::read_line_for(data, wanted);
    let plain = reference::read_line_for(data, wanted);
    assert_eq!(serde, plain, "fields: {shown:?}");
    if let Some(f) = fast::read_line_for(data, wanted) {
        assert_eq!(f, serde, "fields: {shown:?}");
    }
});
