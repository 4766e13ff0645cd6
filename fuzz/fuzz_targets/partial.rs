//! Arbitrary bytes as a partial tally: never a panic. The bytes are read
//! as given, and again with their checksums recomputed (so that damage
//! past the CRCs reaches the section decoders). A partial that reads
//! writes back to bytes that read to the same partial, merges with itself
//! and becomes a report.
#![no_main]

use calltally::partial::{self, Merger};
use calltally::Catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for bytes in [data.to_vec(), partial::reseal(data)] {
        let Ok(p) = partial::read(&bytes, "fuzz") else { continue };
        let again = partial::write(&p);
        let q = partial::read(&again, "again").expect("a written partial reads");
        assert_eq!(partial::write(&q), again, "writing is canonical");
        let mut m = Merger::new();
        m.add(p, "a").unwrap();
        m.add(q, "b").unwrap();
        let merged = m.finish().unwrap();
        let _ = calltally::run_of_partial(merged, Catalog::embedded(), 0.0, &[], None);
    }
});
