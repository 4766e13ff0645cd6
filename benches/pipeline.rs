//! Throughput benchmarks of the extractor and the chunked pipeline.
//!
//! ```text
//! cargo run --release --example gen_logs -- \
//!     jsonl target/bench-data/bench-64m.jsonl --size 64M --seed 1
//! cargo bench --bench pipeline
//! cargo bench --bench pipeline -- extract/    # one group
//! ```
//!
//! Data: `target/bench-data/bench-64m.jsonl` (override with the
//! `CALLTALLY_BENCH_DATA` environment variable). When the file is missing
//! the benchmarks say how to make it and fall back to a ~16 MiB buffer made
//! by repeating the lines of the `fixtures/storage/**/PT1H.json` files, so
//! `cargo bench` always runs; numbers from the fallback are not comparable
//! with numbers from the generated file.
//!
//! Benchmarks (all `Throughput::Bytes` of the whole buffer):
//!
//! * `extract/streaming`: [`calltally::extract::tally_jsonl`], one thread,
//!   the production reader;
//! * `extract/reference`: the full-tree reading of
//!   [`calltally::reference::read_line`] through the same line loop;
//! * `pipeline/threads=N`: [`calltally::pipeline::tally_slice`] with
//!   16 MiB chunks, in a rayon pool of N threads;
//! * `baseline/memchr_lines`: counting newlines with `memchr`, the
//!   hardware baseline that ratios are quoted against.
//!
//! Every iteration checks the counted and malformed totals against those
//! computed once before measuring.
//!
//! The defaults are short (10 samples, 1 s warm-up, 4 s measurement) so a
//! whole run takes about a minute; criterion's `--warm-up-time` and
//! `--measurement-time` flags override them.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, Criterion, SamplingMode, Throughput,
};

use calltally::config::Config;
use calltally::tally::Tally;

/// Where `cargo bench` finds the generated data, relative to the crate.
const DATA_FILE: &str = "target/bench-data/bench-64m.jsonl";
/// Size of the fallback buffer built from the fixtures.
const FALLBACK_SIZE: usize = 16 << 20;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The benchmark input: the generated file, or the fixture fallback.
fn load_data() -> Vec<u8> {
    let path = match std::env::var_os("CALLTALLY_BENCH_DATA") {
        Some(p) => PathBuf::from(p),
        None => crate_dir().join(DATA_FILE),
    };
    match std::fs::read(&path) {
        Ok(data) if !data.is_empty() => {
            eprintln!(
                "bench data: {} ({:.1} MiB)",
                path.display(),
                data.len() as f64 / (1 << 20) as f64
            );
            data
        }
        _ => {
            eprintln!(
                "bench data: {} is missing; make it with\n    \
                 cargo run --release --example gen_logs -- jsonl {} \
                 --size 64M --seed 1\n\
                 falling back to the fixtures repeated to {} MiB (not \
                 comparable with the generated file)",
                path.display(),
                DATA_FILE,
                FALLBACK_SIZE >> 20
            );
            fallback_data()
        }
    }
}

/// Every line of the fixture `PT1H.json` files, repeated up to
/// [`FALLBACK_SIZE`] bytes. Falls back further to one built-in record if
/// the fixtures are missing too.
fn fallback_data() -> Vec<u8> {
    let mut files = Vec::new();
    find_pt1h(&crate_dir().join("fixtures/storage"), &mut files);
    files.sort();
    let mut lines = Vec::new();
    for f in &files {
        if let Ok(text) = std::fs::read(f) {
            let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text);
            for line in text.split(|&b| b == b'\n') {
                if !line.iter().all(u8::is_ascii_whitespace) {
                    lines.extend_from_slice(line);
                    lines.push(b'\n');
                }
            }
        }
    }
    if lines.is_empty() {
        lines.extend_from_slice(
            br#"{"properties":{"participantEndReason":"410","#,
        );
        lines.extend_from_slice(
            br#""ParticipantEndSubCode":"3112","ResultCategory":"#,
        );
        lines.extend_from_slice(b"\"ExpectedError\"}}\n");
    }
    let mut data = Vec::with_capacity(FALLBACK_SIZE + lines.len());
    while data.len() < FALLBACK_SIZE {
        data.extend_from_slice(&lines);
    }
    data
}

fn find_pt1h(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            find_pt1h(&path, out);
        } else if path.file_name().is_some_and(|n| n == "PT1H.json") {
            out.push(path);
        }
    }
}

/// The totals every iteration must reproduce.
fn totals(t: &Tally) -> (u64, u64) {
    (t.counted, t.malformed)
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool")
}

fn benches(c: &mut Criterion) {
    let data = load_data();
    let len = data.len() as u64;

    // Computed once, outside the measurements; the two readers must agree.
    let expected = totals(&calltally::extract::tally_jsonl(&data, 0));
    let reference = totals(&calltally::extract::tally_lines(
        &data,
        0,
        calltally::reference::read_line,
    ));
    assert_eq!(expected, reference, "streaming and reference disagree");
    let lines = memchr::memchr_iter(b'\n', &data).count();
    eprintln!(
        "bench data: {lines} lines, {} counted, {} malformed",
        expected.0, expected.1
    );

    // Flat sampling: a pass over the buffer takes tens of milliseconds or
    // more, so criterion's linear ramp of iteration counts only adds time.
    let mut g = c.benchmark_group("extract");
    g.throughput(Throughput::Bytes(len)).sampling_mode(SamplingMode::Flat);
    g.bench_function("streaming", |b| {
        b.iter(|| {
            let t = calltally::extract::tally_jsonl(black_box(&data), 0);
            assert_eq!(totals(&t), expected);
            t
        })
    });
    g.bench_function("reference", |b| {
        b.iter(|| {
            let t = calltally::extract::tally_lines(
                black_box(&data),
                0,
                calltally::reference::read_line,
            );
            assert_eq!(totals(&t), expected);
            t
        })
    });
    g.finish();

    let config = Config { chunk_size: 16 << 20, ..Default::default() };
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(len)).sampling_mode(SamplingMode::Flat);
    for threads in [1, 2] {
        let pool = pool(threads);
        g.bench_function(format!("threads={threads}"), |b| {
            pool.install(|| {
                b.iter(|| {
                    let t = calltally::pipeline::tally_slice(
                        black_box(&data),
                        0,
                        &config,
                    );
                    assert_eq!(totals(&t), expected);
                    t
                })
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("baseline");
    g.throughput(Throughput::Bytes(len));
    g.bench_function("memchr_lines", |b| {
        b.iter(|| {
            let n = memchr::memchr_iter(b'\n', black_box(&data)).count();
            assert_eq!(n, lines);
            n
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = pipeline;
    config = config();
    targets = benches
}
criterion_main!(pipeline);
