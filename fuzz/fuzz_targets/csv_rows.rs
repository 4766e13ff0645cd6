//! Any bytes as a CSV input: the SIMD row scanner and csv-core read the
//! same records, reasons, lines and order, whole and in the pieces the
//! quote-aware chunker cuts; and every cut the parallel chunker makes is
//! a row end of the serial quote scan.
#![no_main]

use calltally::testing::csv::{read_header, read_rows, read_rows_core, row_ends, split_rows};
use calltally::testing::lines::strip_bom;
use calltally::testing::{Record, Roles, Sink};
use libfuzzer_sys::fuzz_target;

/// What was handed on, and what the sink asks the readers to read.
#[derive(Debug, Default, PartialEq, Eq)]
struct Calls(Vec<String>, Roles);

impl Sink for Calls {
    fn record(&mut self, rec: Record<'_>, line: u64, item: u32) {
        self.0.push(format!("{rec:?} @{line}.{item}"));
    }
    fn blank(&mut self) {
        self.0.push("blank".into());
    }
    fn unmatched(&mut self) {
        self.0.push("unmatched".into());
    }
    fn envelope(&mut self, n: u64) {
        self.0.push(format!("envelope {n}"));
    }
    fn lines(&mut self, n: u64) {
        self.0.push(format!("lines {n}"));
    }
    fn restart(&mut self) {
        self.0.push("restart".into());
    }
    fn wanted(&self) -> Roles {
        self.1
    }
}

/// A run with `field:` dimensions: a column of no key, and a column of a
/// key of the table (read both ways).
fn with_fields() -> Roles {
    let now = calltally::testing::time::parse("2026-11-20T12:00:00Z")
        .expect("a time");
    let by = "field:Note,field:ParticipantEndReason".to_owned();
    calltally::Plan::from_args(&[by], None, None, &[], 10, None, now)
        .expect("a plan")
        .wanted()
}

fuzz_target!(|input: &[u8]| {
    let Some((&selector, data)) = input.split_first() else { return };
    // A header with key columns, or the input's own first row.
    let mut owned;
    let data = if selector & 1 == 0 {
        owned = b"ParticipantEndReason,Note,ParticipantEndSubCode,ResultCategory,OperationPayload\n".to_vec();
        owned.extend_from_slice(data);
        &owned[..]
    } else {
        data
    };
    let body = strip_bom(data);
    let Some((header, n)) = read_header(body) else { return };
    let size = [usize::MAX, 1, 7, 64][(selector as usize >> 1) % 4];
    let max = [usize::MAX, 5, 64][(selector as usize >> 3) % 3];
    let wanted = if selector & 0x10 == 0 { Roles::NONE } else { with_fields() };
    let pieces = split_rows(&body[n..], size, max);
    // Every cut of the parallel chunker is a row end of the serial scan.
    let serial = row_ends(&body[n..], max);
    let mut at = 0;
    for p in &pieces[..pieces.len().saturating_sub(1)] {
        at += p.len();
        assert!(serial.binary_search(&at).is_ok(), "cut at {at}");
    }
    for piece in pieces {
        let mut want = Calls(Vec::new(), wanted);
        let mut got = Calls(Vec::new(), wanted);
        read_rows_core(piece, &header, &mut want);
        read_rows(piece, &header, &mut got);
        assert_eq!(got, want);
    }
});
