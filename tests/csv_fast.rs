//! The SIMD CSV row scanner against `csv-core` (the oracle): the same
//! records, malformed reasons, lines and order, on generated and
//! adversarial CSV, whole and cut into pieces at the quote-aware cuts.

use calltally::testing::csv::{
    read_header, read_rows, read_rows_core, row_ends, split_rows,
};
use calltally::testing::lines::strip_bom;
use calltally::testing::{Record, Roles, Sink};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::differential::generated_csv;

/// Every call a reader makes, in order, for a sink that wants the values
/// of `.1` (none by default, as a plain counter of triples).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Calls(pub Vec<String>, pub Roles);

impl Default for Calls {
    fn default() -> Calls {
        Calls(Vec::new(), Roles::NONE)
    }
}

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

/// The scanner and `csv-core` agree on `input` (header and rows), whole
/// and in the pieces the chunker cuts. Returns the number of rows.
fn agree(input: &[u8]) -> usize {
    let body = strip_bom(input);
    let Some((header, n)) = read_header(body) else { return 0 };
    let rest = &body[n..];
    let mut rows = 0;
    // Without a bound on open quotes, and with bounds short enough to
    // resynchronise after quotes in these inputs.
    for (size, max) in [
        (usize::MAX, usize::MAX),
        (1, usize::MAX),
        (5, usize::MAX),
        (64, usize::MAX),
        (300, usize::MAX),
        (1, 40),
        (64, 40),
        (300, 200),
    ] {
        let serial = row_ends(rest, max);
        let pieces = split_rows(rest, size, max);
        assert_cuts_are_row_ends(&pieces, &serial, input);
        for piece in pieces {
            let (mut want, mut got) = (Calls::default(), Calls::default());
            read_rows_core(piece, &header, &mut want);
            read_rows(piece, &header, &mut got);
            assert_eq!(
                got,
                want,
                "piece {:?} of {:?}",
                String::from_utf8_lossy(piece),
                String::from_utf8_lossy(input)
            );
            rows += want.0.len();
        }
    }
    rows
}

/// Every cut the parallel chunker makes is a row end of the serial quote
/// scan from the start.
fn assert_cuts_are_row_ends(pieces: &[&[u8]], serial: &[usize], input: &[u8]) {
    let mut at = 0;
    for p in &pieces[..pieces.len().saturating_sub(1)] {
        at += p.len();
        assert!(
            serial.binary_search(&at).is_ok(),
            "cut at {at} is not a row end of {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn scanner_equals_csv_core_on_generated_csv() {
    let mut rows = 0;
    for seed in 0..120 {
        rows += agree(&generated_csv(seed, 300));
    }
    assert!(rows > 100_000, "{rows}");
}

/// Rows from an alphabet of the bytes that matter, under headers with and
/// without key columns, long enough to cross 64-byte blocks.
#[test]
fn scanner_equals_csv_core_on_adversarial_bytes() {
    let headers: [&[u8]; 4] = [
        b"ParticipantEndReason,ParticipantEndSubCode,ResultCategory\n",
        b"TimeGenerated [UTC],Note,ResultCategory,code,Type\r\n",
        b"\xEF\xBB\xBFsubCode,OperationPayload\n",
        b"\"ResultCategory\"\n",
    ];
    let alphabet: &[&[u8]] = &[
        b"\"",
        b",",
        b"\n",
        b"\r\n",
        b"\r",
        b"410",
        b"3112",
        b" ",
        b"x",
        b"Failed",
        b"\"\"",
        b"\xff",
        b"\xc3\xa9",
        b"\xc3",
        b"null",
        b"{\"SubCode\":5}",
        b"0123456789abcdefghijklmnopqrstuvwxyz",
    ];
    let mut rng = SmallRng::seed_from_u64(16);
    for round in 0..6000 {
        let mut data = headers[round % headers.len()].to_vec();
        let quoteless = round % 3 == 0;
        for _ in 0..rng.gen_range(0..60) {
            let tok = alphabet[rng.gen_range(0..alphabet.len())];
            if quoteless && tok.contains(&b'"') {
                continue;
            }
            data.extend_from_slice(tok);
        }
        agree(&data);
    }
}

/// Well-formed rows with quoted cells in every column, many of them
/// crossing 64-byte blocks, and a few odd ones.
#[test]
fn scanner_equals_csv_core_on_cases() {
    let h =
        "ParticipantEndReason,Note,ParticipantEndSubCode,ResultCategory\r\n";
    let long = "y".repeat(70);
    let cases = [
        format!("{h}410,\"a,b\",3112,Failed\r\n0,x,,Success"),
        format!("{h}\"410\",\"{long}\n{long}\",\"3112\",\"Failed\"\r\n"),
        format!("{h}\"4\"\"10\",x,1,Failed\r\n"),
        format!("{h}410,\"say \"\"hi\"\"\",1,Failed\n"),
        format!("{h}410,ab\"c,1,Failed\n1,2,3,4\n"),
        format!("{h}410,\"closed\"tail,1,Failed\n"),
        format!("{h}410,x,1,Failed\r1,2,3,4\r\n"),
        format!("{h}410,x,1\n\n\n1,2,3,4,5\n"),
        format!("{h}410,\"never closes,1,Failed\n1,2,3,4\n"),
        format!("{h}abc,x,1,Failed\n410,x,4.5,Failed\n"),
        format!("{h}410,\u{e9}{long},1,Failed\n"),
        format!("{h}\n\r\n\r410,x,1,Failed"),
        format!("{h}410,x,1,\""),
        format!("{h}{long},{long},{long},{long}\n"),
    ];
    for c in &cases {
        agree(c.as_bytes());
    }
}

/// Issue "nothing lost": CSV blank lines (empty, or a lone CR of CRLF)
/// outside quoted fields are counted as blank lines on both readers, so
/// every line of a CSV is the header, part of a row, or blank; a blank
/// line inside a quoted field belongs to its row.
#[test]
fn blank_lines_are_counted_on_both_readers() {
    let cases: [(&[u8], usize); 5] = [
        (b"code,cat\n\n410,x\n\n\n0,y\n", 3),
        (b"code,cat\r\n\r\n410,x\r\n\r\n\r\n0,y\r\n\r\n", 4),
        (b"code,cat\n410,\"a\n\nb\"\n\n", 1),
        (b"code,cat\n\n\n", 2),
        (b"code,cat\n410,x", 0),
    ];
    for (input, want) in cases {
        agree(input);
        let (header, n) = read_header(input).unwrap();
        let mut calls = Calls::default();
        read_rows(&input[n..], &header, &mut calls);
        let blank = calls.0.iter().filter(|c| *c == "blank").count();
        assert_eq!(blank, want, "{:?}", String::from_utf8_lossy(input));
    }
    // And in summary.json, whatever the chunking.
    let dir = crate::util::scratch("csv-blank");
    let file = dir.join("blank.csv");
    std::fs::write(&file, cases[1].0).unwrap();
    for extra in [&[][..], &["--chunk-size", "7", "-j2"]] {
        let out = dir.join(format!("out{}", extra.len()));
        let mut args = vec![file.to_str().unwrap()];
        args.extend(extra);
        let o = crate::util::report(&out, &args);
        assert_eq!(o.status.code(), Some(0));
        let s: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            (s["blank"].as_u64(), s["lines"].as_u64()),
            (Some(4), Some(7))
        );
    }
}

/// Generated CSV with stray quotes, through both read paths (map and
/// stream) at every chunk size and bound of the `whole_input` fuzz target:
/// the bounded quote scan cuts, resynchronises and skips alike on both.
#[test]
fn stray_quotes_read_alike_on_both_paths() {
    let mut rng = SmallRng::seed_from_u64(12);
    for seed in 0..30 {
        let mut data = generated_csv(seed, 40);
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..data.len());
            data.insert(at, b'"');
        }
        // Selectors of the CSV format: every chunk size and bound.
        for selector in (3..80u8).step_by(5) {
            let mut input = vec![selector];
            input.extend_from_slice(&data);
            crate::regression::whole_input(&input);
        }
    }
}

/// The `csv_rows` fuzz target's property on one input: the first byte
/// picks the header, piece size and bound.
fn csv_rows(input: &[u8]) {
    let Some((&selector, data)) = input.split_first() else { return };
    let mut owned = b"ParticipantEndReason,Note,ParticipantEndSubCode,\
        ResultCategory,OperationPayload\n"
        .to_vec();
    let data = if selector & 1 == 0 {
        owned.extend_from_slice(data);
        &owned[..]
    } else {
        data
    };
    let body = strip_bom(data);
    let Some((header, n)) = read_header(body) else { return };
    let size = [usize::MAX, 1, 7, 64][(selector as usize >> 1) % 4];
    let max = [usize::MAX, 5, 64][(selector as usize >> 3) % 3];
    let pieces = split_rows(&body[n..], size, max);
    assert_cuts_are_row_ends(&pieces, &row_ends(&body[n..], max), data);
    for piece in pieces {
        let (mut want, mut got) = (Calls::default(), Calls::default());
        read_rows_core(piece, &header, &mut want);
        read_rows(piece, &header, &mut got);
        assert_eq!(got, want);
    }
}

/// A resynchronisation with pieces of `usize::MAX` bytes overflowed the
/// next cut's offset (found by the `csv_rows` fuzzer).
#[test]
fn r_fuzz_csv_resync_with_unbounded_pieces() {
    csv_rows(&[8, 34, 31, 0, 10, 255, 10, 13]);
}

/// A serial scan for one cut ran past the next nominal cut, whose reading
/// from outside quotes was then taken for the scan from the last cut
/// (found by the `csv_rows` fuzzer).
#[test]
fn r_fuzz_csv_serial_scan_past_the_next_nominal_cut() {
    csv_rows(&[
        20, 34, 45, 31, 1, 0, 0, 32, 0, 255, 126, 4, 125, 64, 10, 34, 10, 34,
        10, 10, 10, 34, 45,
    ]);
}
