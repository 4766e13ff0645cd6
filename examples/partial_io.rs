//! Time reading, writing and merging a partial tally (BENCHMARKS.md):
//!
//! ```text
//! cargo run --release --example partial_io -- FILE.partial [ROUNDS]
//! ```
//!
//! Prints the file's size and cells, and the best of ROUNDS (default 5)
//! for read (decode and check), write (canonical encode) and a merge of
//! the partial with itself.

use std::time::Instant;

use calltally::partial::{self, Merger};

fn best<T>(rounds: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = None;
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("at least one round"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: partial_io FILE [ROUNDS]");
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS"));
    let bytes = std::fs::read(&path).expect("read the partial");
    let (read, p) =
        best(rounds, || partial::read(&bytes, &path).expect("a partial"));
    let (write, again) = best(rounds, || partial::write(&p));
    assert_eq!(again, bytes, "canonical bytes");
    let (merge, _) = best(rounds, || {
        let mut m = Merger::new();
        m.add(p.clone(), "a").unwrap();
        m.add(p.clone(), "b").unwrap();
        m.finish().unwrap()
    });
    println!(
        "{path}: {} bytes, {} cells, {} groups, {} inputs; read {:.3} s, \
         write {:.3} s, merge with itself (2 clones + merge) {:.3} s",
        bytes.len(),
        p.tally.cells.len(),
        p.tally.groups.len(),
        p.inputs.len(),
        read,
        write,
        merge
    );
}
