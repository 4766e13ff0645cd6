//! A whole input, any bytes, through every format and both read paths
//! (in memory, and streamed in blocks): never a panic; the accounting
//! identities hold; both paths agree (counts, and the calls and
//! participants of each cell), with and without calls counted and
//! dimensions (`--by`).
#![no_main]

use calltally::testing::tally_data;
use calltally::{Config, Dim, Format, Plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
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
    // Calls and participants counted (the CLI's default: the sketches
    // kept across pieces in the run's store) or not.
    let distinct = (selector as usize / 80) % 2 == 0;
    // And grouped (--by: value ids kept per piece, pieces folded into
    // loose cells) or not.
    let by = match selector >= 160 {
        true => vec![Dim::Hour, Dim::EndpointType, Dim::Field("code".into())],
        false => Vec::new(),
    };
    let config = Config {
        format,
        chunk_size,
        max_record_bytes,
        threads: 1,
        plan: Plan {
            distinct: distinct.then_some(12),
            by,
            ..Plan::default()
        },
        ..Config::default()
    };
    let mut results = Vec::new();
    for stream in [false, true] {
        let mut t = tally_data(data, &config, stream).expect("no pattern");
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
});
