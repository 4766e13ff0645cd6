//! Inputs the fuzzers found, replayed with the fuzz targets' own checks
//! (`fuzz/fuzz_targets/`): every format through both read paths, the
//! accounting identities, and both paths agreeing.

use calltally::testing::tally_data;
use calltally::{Config, Format};

/// The `whole_input` fuzz target's property: the first byte picks the
/// format, the chunk size and `max_record_bytes`, the rest is the input.
pub fn whole_input(input: &[u8]) {
    let Some((&selector, data)) = input.split_first() else { return };
    let format = match selector % 5 {
        0 => Format::Auto,
        1 => Format::Jsonl,
        2 => Format::Json,
        3 => Format::Csv,
        _ => Format::Text,
    };
    let chunk_size = [1, 7, 64, 4096][(selector as usize / 5) % 4];
    // The bound on a line, row or record: the default, or small (rows and
    // open quotes bounded alike on the stream and in-memory paths).
    let max_record_bytes = match (selector as usize / 20) % 4 {
        i if i > 0 => [3, 16, 100][i - 1],
        _ => Config::default().max_record_bytes,
    };
    let config = Config {
        format,
        chunk_size,
        max_record_bytes,
        threads: 1,
        ..Config::default()
    };
    let mut results = Vec::new();
    for stream in [false, true] {
        let mut t = tally_data(data, &config, stream).unwrap();
        assert_eq!(t.acc.records, t.acc.counted + t.acc.without_code);
        assert_eq!(
            t.cells.values().map(|c| c.count).sum::<u64>(),
            t.acc.counted
        );
        // The line identity holds for the line formats (text lines that
        // match no pattern are `unmatched`).
        if matches!(format, Format::Jsonl | Format::Text) {
            assert!(t.is_consistent(), "{t:?}");
        }
        t.acc.bytes = 0;
        results.push(t);
    }
    assert_eq!(results[0], results[1]);
}

/// A JSON document after a BOM: the streamed path did not skip the BOM
/// (found by the `whole_input` fuzzer).
#[test]
fn r_fuzz_bom_before_a_json_document() {
    let data = std::fs::read(
        crate::util::root()
            .join("tests/regressions/whole_input-bom-json-document.bin"),
    )
    .unwrap();
    whole_input(&data);
}

/// Every file in `tests/regressions/` passes the fuzz property.
#[test]
fn every_saved_fuzz_input_passes() {
    let dir = crate::util::root().join("tests/regressions");
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        whole_input(&data);
    }
}

/// Two malformed CSV rows on one physical line (a bare `\r` ends a CSV
/// row): their samples kept no order between the read paths (found by the
/// property test of `tests/properties.rs`).
#[test]
fn r_prop_csv_rows_sharing_a_line() {
    // Selector 3: CSV, chunk size 1. The first row's reason ("byte 2")
    // sorts after the second's ("byte 1"); in memory the one piece keeps
    // input order, the stream path's fold sorted by reason.
    whole_input(b"\x03a\nx\xff\r\xfe");
}

/// A CSV with quotes and invalid UTF-8 under a bound of 100 bytes read
/// differently by the stream and the map (found by the `whole_input`
/// fuzzer).
#[test]
fn r_fuzz_csv_stream_and_map_agree_under_a_small_bound() {
    whole_input(&[
        68, 28, 85, 34, 10, 33, 0, 10, 0, 96, 64, 33, 0, 10, 247, 0, 42, 34,
        0, 247, 0, 32, 37, 34, 34, 10, 34, 0, 247, 0, 32, 0, 10, 34, 168, 10,
        34, 168, 10, 91, 91, 91, 91, 91, 91, 0, 10, 68, 247, 0, 10, 34, 168,
        10, 22, 10, 247, 0,
    ]);
}
