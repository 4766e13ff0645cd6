//! Throughput benchmarks of the extractor and the chunked pipeline.
//!
//! ```text
//! cargo run --release --example gen_logs -- \
//!     jsonl target/bench-data/bench-64m.jsonl --size 64M --seed 1
//! cargo run --release --example gen_logs -- \
//!     csv target/bench-data/bench-64m.csv --size 64M --seed 1
//! cargo bench --bench pipeline
//! cargo bench --bench pipeline -- extract/    # one group
//! ```
//!
//! Data: `target/bench-data/bench-64m.jsonl` (override with the
//! `CALLTALLY_BENCH_DATA` environment variable). When the file is missing
//! the benchmarks say how to make it and fall back to a ~16 MiB buffer made
//! by repeating the lines of the `fixtures/storage/**/PT1H.json` files, so
//! `cargo bench` always runs; numbers from the fallback are not comparable
//! with numbers from the generated file. The CSV benchmarks read
//! `target/bench-data/bench-64m.csv` (`CALLTALLY_BENCH_CSV`), falling back
//! to the rows of `fixtures/formats/csv/ACSCallSummary.csv` repeated to
//! ~16 MiB. The compressed inputs are the JSON Lines buffer compressed in
//! memory (gzip `Compression::default()`, zstd level 3, as `gen_logs
//! --compress` does), once, before the first benchmark that needs them;
//! the CSV and compressed inputs are only built when a benchmark that
//! uses them runs.
//!
//! Benchmarks (all `Throughput::Bytes` of the whole *uncompressed*
//! buffer):
//!
//! * `extract/streaming`: [`calltally::testing::tally_jsonl`], one thread,
//!   the production reader (the byte scanner of `extract::fast`, serde for
//!   the lines it leaves);
//! * `extract/serde`: the same line loop with the serde reader alone
//!   ([`calltally::testing::json::read_line`]), what the scanner is
//!   measured against;
//! * `extract/reference`: the full-tree reading of
//!   [`calltally::testing::tree::read_line`] through the same line loop;
//! * `pipeline/threads=N`: [`calltally::testing::tally_slice`] with
//!   16 MiB chunks, in a rayon pool of N threads;
//! * `extract/csv_scanner`, `extract/csv_core`, `extract/csv_cuts`: the
//!   CSV rows read by the SIMD scanner and by csv-core alone (one thread,
//!   one piece, into a `Counter`), and the quote scan that cuts the pieces;
//! * `format/csv threads=N`: [`calltally::testing::tally_data`] with
//!   `Format::Csv` on the CSV buffer, in-memory path (quote-aware chunks);
//! * `format/jsonl.gz threads=N`, `format/jsonl.zst threads=N`:
//!   `tally_data(compressed, .., stream = true)`, format sniffed, as
//!   `calltally report` reads a `.gz`/`.zst` file: decompressed as a
//!   stream, blocks tallied in parallel batches;
//! * `baseline/memchr_lines`: counting newlines with `memchr`, the
//!   hardware baseline that ratios are quoted against;
//! * `baseline/gunzip`, `baseline/unzstd`: bare decompression of the same
//!   compressed bytes with the same libraries (flate2 `MultiGzDecoder`,
//!   zstd `Decoder`) into `io::sink()`, one thread: the floor for the
//!   compressed benchmarks (quote `format/jsonl.gz` ÷ `baseline/gunzip`).
//!
//! Every iteration checks the counted and malformed totals (the
//! decompressed length, for the decompression baselines) against those
//! computed once before measuring; the compressed inputs must give the
//! totals of the plain buffer, and the CSV the same totals through the
//! in-memory and the stream paths.
//!
//! The defaults are short (10 samples, 1 s warm-up, 4 s measurement) so a
//! whole run takes about a minute; criterion's `--warm-up-time` and
//! `--measurement-time` flags override them.

use std::cell::OnceCell;
use std::hint::black_box;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, Criterion, SamplingMode, Throughput,
};

use calltally::config::{Config, Format};
use calltally::Tally;

/// Where `cargo bench` finds the generated data, relative to the crate.
const DATA_FILE: &str = "target/bench-data/bench-64m.jsonl";
/// Where the CSV benchmarks find theirs.
const CSV_FILE: &str = "target/bench-data/bench-64m.csv";
/// The fixture the CSV fallback repeats.
const CSV_FIXTURE: &str = "fixtures/formats/csv/ACSCallSummary.csv";
/// Size of the fallback buffer built from the fixtures.
const FALLBACK_SIZE: usize = 16 << 20;
/// The chunk size of every pipeline benchmark (the CLI's default).
const CHUNK: usize = 16 << 20;
/// The default `--max-record-bytes`.
const MAX: usize = calltally::config::DEFAULT_MAX_RECORD_BYTES;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The benchmark input: the generated file, or the fixture fallback.
fn load_data() -> Vec<u8> {
    load_input(
        "CALLTALLY_BENCH_DATA",
        DATA_FILE,
        "jsonl",
        "the fixtures",
        fallback_data,
    )
}

/// A generated input: the file named by the environment variable `var`,
/// else `file` under the crate (made by `gen_logs KIND`); when it is
/// missing, say how to make it and use `fallback()` (described as `what`
/// repeated).
fn load_input(
    var: &str,
    file: &str,
    kind: &str,
    what: &str,
    fallback: fn() -> Vec<u8>,
) -> Vec<u8> {
    let path = match std::env::var_os(var) {
        Some(p) => PathBuf::from(p),
        None => crate_dir().join(file),
    };
    match std::fs::read(&path) {
        Ok(data) if !data.is_empty() => {
            eprintln!("bench data: {} ({})", path.display(), mib(data.len()));
            data
        }
        _ => {
            eprintln!(
                "bench data: {} is missing; make it with\n    \
                 cargo run --release --example gen_logs -- {kind} {file} \
                 --size 64M --seed 1\n\
                 falling back to {what} repeated to {} MiB (not \
                 comparable with the generated file)",
                path.display(),
                FALLBACK_SIZE >> 20
            );
            fallback()
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

/// The CSV benchmark input: the generated export, or the fixture rows
/// repeated.
fn load_csv() -> Vec<u8> {
    let what = format!("the rows of {CSV_FIXTURE}");
    load_input("CALLTALLY_BENCH_CSV", CSV_FILE, "csv", &what, fallback_csv)
}

/// The header and data rows of [`CSV_FIXTURE`] (BOM, CRLF, quoted commas
/// and newlines), the rows repeated up to [`FALLBACK_SIZE`] bytes; one
/// built-in row if the fixture is missing.
fn fallback_csv() -> Vec<u8> {
    let text =
        std::fs::read(crate_dir().join(CSV_FIXTURE)).unwrap_or_default();
    // The header holds no quotes: it ends at the first newline.
    let (header, mut rows) = match memchr::memchr(b'\n', &text) {
        Some(n) => (&text[..=n], &text[n + 1..]),
        None => (
            &b"ParticipantEndReason,ParticipantEndSubCode,ResultCategory\r\n"
                [..],
            &b""[..],
        ),
    };
    while let Some(r) = rows.strip_suffix(b"\n").or(rows.strip_suffix(b"\r")) {
        rows = r;
    }
    let mut rows = rows.to_vec();
    if rows.is_empty() {
        rows.extend_from_slice(b"410,3112,ExpectedError");
    }
    rows.extend_from_slice(b"\r\n");
    let mut data = header.to_vec();
    while data.len() < FALLBACK_SIZE {
        data.extend_from_slice(&rows);
    }
    data
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1 << 20) as f64)
}

/// Compresses `data` in memory, timing it and saying so.
fn compressed(
    name: &str,
    data: &[u8],
    compress: impl FnOnce(&[u8]) -> io::Result<Vec<u8>>,
) -> Vec<u8> {
    let start = Instant::now();
    let out = compress(data).expect("compression in memory");
    eprintln!(
        "bench data: {name} {} ({:.1}:1, compressed in {:.1} s)",
        mib(out.len()),
        data.len() as f64 / out.len() as f64,
        start.elapsed().as_secs_f64()
    );
    out
}

/// One gzip member, `Compression::default()` (as `gen_logs --compress gz`).
fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::default(),
    );
    e.write_all(data)?;
    e.finish()
}

/// One zstd frame, level 3 (as `gen_logs --compress zst`).
fn zstd_frame(data: &[u8]) -> io::Result<Vec<u8>> {
    zstd::stream::encode_all(data, 3)
}

/// Bare decompression into a sink: the bytes decompressed.
fn drain(mut r: impl Read) -> u64 {
    io::copy(&mut r, &mut io::sink()).expect("decompression")
}

/// The totals every iteration must reproduce.
fn totals(t: &Tally) -> (u64, u64) {
    (t.acc.counted, t.acc.malformed)
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
    let expected = totals(&calltally::testing::tally_jsonl(&data, 0));
    let reference = totals(&calltally::testing::tally_lines(
        &data,
        0,
        calltally::testing::tree::read_line,
    ));
    assert_eq!(expected, reference, "streaming and reference disagree");
    let serde = totals(&calltally::testing::tally_lines(
        &data,
        0,
        calltally::testing::json::read_line,
    ));
    assert_eq!(expected, serde, "streaming and serde disagree");
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
            let t = calltally::testing::tally_jsonl(black_box(&data), 0);
            assert_eq!(totals(&t), expected);
            t
        })
    });
    g.bench_function("serde", |b| {
        b.iter(|| {
            let t = calltally::testing::tally_lines(
                black_box(&data),
                0,
                calltally::testing::json::read_line,
            );
            assert_eq!(totals(&t), expected);
            t
        })
    });
    g.bench_function("reference", |b| {
        b.iter(|| {
            let t = calltally::testing::tally_lines(
                black_box(&data),
                0,
                calltally::testing::tree::read_line,
            );
            assert_eq!(totals(&t), expected);
            t
        })
    });
    g.finish();

    let config = Config { chunk_size: CHUNK, ..Default::default() };
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Bytes(len)).sampling_mode(SamplingMode::Flat);
    for threads in [1, 2] {
        let pool = pool(threads);
        g.bench_function(format!("threads={threads}"), |b| {
            pool.install(|| {
                b.iter(|| {
                    let t = calltally::testing::tally_slice(
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

    // The CSV's totals and the compressed inputs are computed on first
    // use, so a filtered run that skips their benchmarks does not pay for
    // them (reading the CSV is cheap, and its length is needed up front).
    let csv = load_csv();
    let csv_len = csv.len() as u64;
    let csv_config = Config {
        format: Format::Csv,
        chunk_size: CHUNK,
        ..Default::default()
    };
    let csv_expected = OnceCell::new();
    let csv_expected = || {
        *csv_expected.get_or_init(|| {
            let tally = |stream| {
                calltally::testing::tally_data(&csv, &csv_config, stream)
                    .expect("CSV tally")
            };
            let (memory, streamed) = (tally(false), tally(true));
            assert_eq!(
                totals(&memory),
                totals(&streamed),
                "CSV: the in-memory and stream paths disagree"
            );
            assert!(memory.formats.contains_key("csv"), "not read as CSV");
            eprintln!(
                "bench data: CSV: {} counted, {} malformed",
                memory.acc.counted, memory.acc.malformed
            );
            totals(&memory)
        })
    };
    let gz = OnceCell::new();
    let gz = || gz.get_or_init(|| compressed("jsonl.gz", &data, gzip));
    let zst = OnceCell::new();
    let zst =
        || zst.get_or_init(|| compressed("jsonl.zst", &data, zstd_frame));

    // The CSV row readers alone, one thread, the whole buffer as one
    // piece: the SIMD scanner (csv-core for the rows it cannot read) and
    // csv-core alone; and the quote scan that finds the cuts.
    let mut g = c.benchmark_group("extract");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(csv_len));
    {
        use calltally::testing::csv::{
            read_header, read_rows, read_rows_core, split_rows,
            split_rows_serial,
        };
        let body = calltally::testing::lines::strip_bom(&csv);
        let (header, n) = read_header(body).expect("a CSV header");
        let rows = &body[n..];
        let read = |core: bool| {
            let plan = calltally::Plan::default();
            let mut counter = calltally::testing::Counter::new(&plan, 0);
            match core {
                false => read_rows(black_box(rows), &header, &mut counter),
                true => read_rows_core(black_box(rows), &header, &mut counter),
            }
            counter.finish()
        };
        assert_eq!(totals(&read(false)), totals(&read(true)));
        g.bench_function("csv_scanner", |b| b.iter(|| read(false)));
        g.bench_function("csv_core", |b| b.iter(|| read(true)));
        // The cuts found near each nominal one (in parallel when a pool
        // runs it) against the serial quote scan over every byte.
        g.bench_function("csv_cuts", |b| {
            b.iter(|| split_rows(black_box(rows), CHUNK, MAX).len())
        });
        g.bench_function("csv_cuts_serial", |b| {
            b.iter(|| split_rows_serial(black_box(rows), CHUNK, MAX).len())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("format");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(csv_len));
    for threads in [1, 2] {
        let pool = pool(threads);
        g.bench_function(format!("csv threads={threads}"), |b| {
            let expected = csv_expected();
            pool.install(|| {
                b.iter(|| {
                    let t = calltally::testing::tally_data(
                        black_box(&csv),
                        &csv_config,
                        false,
                    )
                    .expect("CSV tally");
                    assert_eq!(totals(&t), expected);
                    t
                })
            })
        });
    }
    // Compressed JSON Lines: the throughput is of the uncompressed bytes,
    // and the totals those of the plain buffer.
    g.throughput(Throughput::Bytes(len));
    for name in ["jsonl.gz", "jsonl.zst"] {
        for threads in [1, 2] {
            let pool = pool(threads);
            g.bench_function(format!("{name} threads={threads}"), |b| {
                let input = if name == "jsonl.gz" { gz() } else { zst() };
                pool.install(|| {
                    b.iter(|| {
                        let t = calltally::testing::tally_data(
                            black_box(input),
                            &config,
                            true,
                        )
                        .expect("compressed tally");
                        assert_eq!(totals(&t), expected);
                        t
                    })
                })
            });
        }
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
    // One thread, the same library and bytes as `format/jsonl.gz` and
    // `format/jsonl.zst`; a pass takes tens of milliseconds: flat sampling.
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("gunzip", |b| {
        let gz = gz();
        b.iter(|| {
            let n =
                drain(flate2::read::MultiGzDecoder::new(black_box(&gz[..])));
            assert_eq!(n, len);
            n
        })
    });
    g.bench_function("unzstd", |b| {
        let zst = zst();
        b.iter(|| {
            let d = zstd::stream::read::Decoder::new(black_box(&zst[..]))
                .expect("zstd decoder");
            let n = drain(d);
            assert_eq!(n, len);
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
