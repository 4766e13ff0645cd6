//! The streaming reader and the parallel pipeline against the plain
//! reading (`calltally::reference`), on generated input built to hit every
//! rule: random key casing, escapes and padding, values of every style,
//! nesting, duplicates, envelopes, and corrupted lines.

use std::io::Cursor;

use calltally::config::Config;
use calltally::testing::tree as reference;
use calltally::testing::{read_jsonl_line, tally_jsonl, tally_lines};
use calltally::testing::{tally_reader, tally_slice};
use calltally::Tally;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

const CODE_KEYS: [&str; 5] =
    ["participantEndReason", "resultCode", "resultSignature", "code", "_code"];
const SUB_KEYS: [&str; 4] =
    ["participantEndSubCode", "resultSubcode", "subCode", "_subCode"];
const CAT_KEYS: [&str; 4] =
    ["resultCategory", "resultCategories", "_resultCategories", "resultType"];
/// The nested levels of spec §3, tried in this order after the top level.
const LEVEL_KEYS: [&str; 3] = ["properties", "data", "error"];
/// Objects whose `code`/`subCode` must never count (spec §3 traps).
const TRAP_KEYS: [&str; 5] =
    ["SipDetails", "Q850Details", "callDebuggingInfo", "extra", "x"];
const NOISE_KEYS: [&str; 18] = [
    "callUpdatesVersion",
    "time",
    "resourceId",
    "operationName",
    "category",
    "correlationId",
    "endpointType",
    "sdkVersion",
    "identifier",
    "participantId",
    "endpointId",
    "callType",
    "osVersion",
    "TimeGenerated",
    "_ResourceId",
    "CallClientTimeStamp",
    "eventTime",
    "eventType",
];

pub(crate) struct Gen {
    rng: SmallRng,
    /// No `\u` escapes, no tabs: lines the fast scanner reads itself
    /// (unless they hold a quote in a string, or are corrupted).
    clean: bool,
}

impl Gen {
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.gen_range(0..xs.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// A JSON string literal for `s`, with random `\u` escapes.
    fn string(&mut self, s: &str) -> String {
        let mut out = String::from("\"");
        let escape_rate =
            if !self.clean && self.chance(0.1) { 0.3 } else { 0.0 };
        for ch in s.chars() {
            match ch {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    out.push_str(&format!("\\u{:04x}", c as u32))
                }
                c if c.is_ascii() && self.chance(escape_rate) => {
                    out.push_str(&format!("\\u{:04X}", c as u32))
                }
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A key in random casing, sometimes padded with spaces.
    fn key(&mut self, name: &str) -> String {
        let cased: String = match self.rng.gen_range(0..4) {
            0 => name.to_owned(),
            1 => name.to_ascii_lowercase(),
            2 => name.to_ascii_uppercase(),
            _ => {
                name.chars()
                    .map(|c| {
                        if self.chance(0.5) {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect()
            }
        };
        let padded = match self.rng.gen_range(0..10) {
            0 => format!(" {cased}"),
            1 => format!("{cased} "),
            2 if !self.clean => format!("\t{cased} "),
            2 => format!("  {cased}  "),
            _ => cased,
        };
        self.string(&padded)
    }

    fn ws(&mut self) -> &'static str {
        if self.clean {
            self.pick(&["", "", "", " ", "  "])
        } else {
            self.pick(&["", "", "", " ", "  ", "\t"])
        }
    }

    fn int_value(&mut self) -> String {
        let n: i64 = *[0, 0, 200, 410, 487, 3112, 10037, 560503, -1, 41016]
            .get(self.rng.gen_range(0..10))
            .unwrap();
        match self.rng.gen_range(0..24) {
            0..=5 => n.to_string(),
            6..=11 => self.string(&n.to_string()),
            12 => self.string(&format!(" {n} ")),
            13 => "null".into(),
            14 => self.string("null"),
            15 => self.string(""),
            16 => self.string("Redacted"),
            17 => {
                let s = self.pick(&[
                    "abc",
                    "n/a",
                    "4.5",
                    "1e3",
                    "+",
                    "99999999999999999999",
                ]);
                self.string(s)
            }
            18 => self
                .pick(&[
                    "4.5",
                    "410.0",
                    "1e3",
                    "-0",
                    "18446744073709551615",
                    "true",
                ])
                .into(),
            19 => self.pick(&["[]", "[410]", "{}", "{\"code\":1}"]).into(),
            20 => self.string(&format!("+{n}")),
            21 => "-0".into(),
            _ => n.to_string(),
        }
    }

    fn cat_value(&mut self) -> String {
        let names = [
            "Success",
            "succeeded",
            " Completed ",
            "ExpectedError",
            "expectedclienterror",
            "UnxpectedClientError",
            "UnexpectedClientError",
            "UNEXPECTEDSERVERERROR",
            "Failed",
            "Failure",
            "Canceled",
            "",
            "null",
            "Redacted",
        ];
        let s = self.pick(&names).to_owned();
        match self.rng.gen_range(0..12) {
            0 => format!("[{}]", self.string(&s)),
            1 => format!("[{}, {}]", self.string(&s), self.string("Success")),
            2 => "[]".into(),
            3 => "[null]".into(),
            4 => "null".into(),
            5 => "5".into(),
            6 => "{\"a\":1}".into(),
            7 => "[[\"Success\"]]".into(),
            _ => self.string(&s),
        }
    }

    fn payload(&mut self) -> String {
        let sub_key = self.key("SubCode");
        let v = self.int_value();
        let obj = format!("{{\"FailureReason\":\"x\",{sub_key}:{v}}}");
        match self.rng.gen_range(0..5) {
            0 | 1 => obj,
            2 => self.string(&obj),
            3 => self.string("{SubCode: 1}"),
            _ => "[1]".into(),
        }
    }

    /// A `resultInformation` value: mostly an object with `code`,
    /// `subCode`, `message` and traps (`SipDetails`, `Q850Details` with a
    /// `code` of their own), sometimes something else.
    fn result_information(&mut self, depth: u32) -> String {
        let mut m = Vec::new();
        for _ in 0..self.rng.gen_range(0..5) {
            let (k, v) = match self.rng.gen_range(0..6) {
                0 | 1 => (self.key("code"), self.int_value()),
                2 | 3 => (self.key("subCode"), self.int_value()),
                4 if depth < 3 => {
                    let trap = self.pick(&["SipDetails", "Q850Details"]);
                    let inner = format!(
                        "{}:{},{}:{}",
                        self.key("code"),
                        self.int_value(),
                        self.key("message"),
                        self.string("Busy Here")
                    );
                    (self.key(trap), format!("{{{inner}}}"))
                }
                _ => (self.key("message"), self.string("Action completed")),
            };
            m.push(format!("{k}:{}{v}", self.ws()));
        }
        match self.rng.gen_range(0..10) {
            0 => self.string(&format!("{{{}}}", m.join(","))),
            1 => "null".into(),
            2 => "[{\"code\":500}]".into(),
            _ => format!("{{{}}}", m.join(",")),
        }
    }

    /// Members for one level of a record (`top`: the record's top level).
    fn members(&mut self, top: bool, depth: u32) -> Vec<String> {
        let mut m = Vec::new();
        let n = self.rng.gen_range(0..7);
        for _ in 0..n {
            let (k, v) = match self.rng.gen_range(0..15) {
                0 | 1 => {
                    let name = self.pick(&CODE_KEYS);
                    (self.key(name), self.int_value())
                }
                2 | 3 => {
                    let name = self.pick(&SUB_KEYS);
                    (self.key(name), self.int_value())
                }
                4 | 5 => {
                    let name = self.pick(&CAT_KEYS);
                    (self.key(name), self.cat_value())
                }
                6 => (self.key("OperationPayload"), self.payload()),
                7 if depth < 2 => {
                    // Nested elsewhere: must not count.
                    let inner = self.members(false, depth + 1).join(",");
                    let name = self.pick(&TRAP_KEYS);
                    (self.key(name), format!("{{{inner}}}"))
                }
                12 | 13 if depth < 3 => (
                    self.key("resultInformation"),
                    self.result_information(depth),
                ),
                14 if !top && depth < 2 => {
                    // A level key nested deeper: must not count.
                    let inner = self.members(false, depth + 1).join(",");
                    let name = self.pick(&LEVEL_KEYS);
                    (self.key(name), format!("{{{inner}}}"))
                }
                8 => {
                    // The key's text inside a string value.
                    let name = self.pick(&CODE_KEYS);
                    let text = format!("\"{name}\":\"503\"");
                    (self.key("resultDescription"), self.string(&text))
                }
                9 | 10 if top && depth < 2 => {
                    let inner = self.members(false, depth + 1).join(",");
                    let v = match self.rng.gen_range(0..20) {
                        0..=16 => format!("{{{inner}}}"),
                        17 => "null".into(),
                        18 => format!("[{{{inner}}}]"),
                        _ => self.string(&format!("{{{inner}}}")),
                    };
                    let name = self.pick(&LEVEL_KEYS);
                    (self.key(name), v)
                }
                _ => {
                    let name = self.pick(&NOISE_KEYS);
                    let v = self.pick(&[
                        "\"2024-05-02T10:15:03Z\"",
                        "null",
                        "12",
                        "\" b25c\"",
                        "[1,{\"a\":[]}]",
                        "-0",
                        "-3",
                        "2.5",
                        "1e2",
                        "18446744073709551615",
                        "18446744073709551616",
                    ]);
                    (self.key(name), v.to_owned())
                }
            };
            let (w1, w2) = (self.ws(), self.ws());
            m.push(format!("{w1}{k}{w2}:{}{v}", self.ws()));
            // Sometimes the same member again with another value.
            if self.chance(0.05) {
                let v2 = self.int_value();
                m.push(format!("{k}:{v2}"));
            }
        }
        m
    }

    fn record(&mut self) -> String {
        let mut m = self.members(true, 0);
        // Most records carry a code somewhere.
        if self.chance(0.6) {
            let name = self.pick(&CODE_KEYS);
            let kv = format!("{}:{}", self.key(name), self.int_value());
            let at = self.rng.gen_range(0..=m.len());
            m.insert(at, kv);
        }
        format!("{{{}}}", m.join(","))
    }

    fn table(&mut self) -> String {
        let cols = [
            "ParticipantEndReason",
            "ParticipantEndSubCode",
            "ResultCategory",
        ];
        let columns: Vec<String> = cols
            .iter()
            .map(|c| {
                format!("{{\"name\":{},\"type\":\"string\"}}", self.key(c))
            })
            .collect();
        let mut rows = Vec::new();
        for _ in 0..self.rng.gen_range(0..4) {
            let n = if self.chance(0.9) { 3 } else { 2 };
            let cells: Vec<String> =
                (0..n)
                    .map(|i| {
                        if i == 2 {
                            self.cat_value()
                        } else {
                            self.int_value()
                        }
                    })
                    .collect();
            rows.push(format!("[{}]", cells.join(",")));
        }
        format!(
            "{{\"tables\":[{{\"name\":\"PrimaryResult\",\"columns\":[{}],\"rows\":[{}]}}]}}",
            columns.join(","),
            rows.join(",")
        )
    }

    fn line(&mut self) -> Vec<u8> {
        let text = match self.rng.gen_range(0..100) {
            0..=69 => self.record(),
            70..=74 => {
                let n = self.rng.gen_range(0..4);
                let items: Vec<String> = (0..n)
                    .map(|_| {
                        if self.chance(0.9) {
                            self.record()
                        } else {
                            "7".into()
                        }
                    })
                    .collect();
                format!("{{{}:[{}]}}", self.key("records"), items.join(","))
            }
            75..=76 => self.table(),
            77..=80 => self.pick(&["", " ", "\t "]).to_owned(),
            81..=84 => self
                .pick(&["[1,2]", "5", "\"x\"", "null", "true", "{\"a\":1} 2"])
                .to_owned(),
            85..=88 => {
                // A batch of events (a webhook body on one line).
                let n = self.rng.gen_range(0..4);
                let items: Vec<String> = (0..n)
                    .map(|_| {
                        if self.chance(0.92) {
                            self.record()
                        } else {
                            self.pick(&["7", "[]", "null"]).to_owned()
                        }
                    })
                    .collect();
                format!("[{}{}]", self.ws(), items.join(","))
            }
            _ => {
                // A record, corrupted.
                let mut b = self.record().into_bytes();
                match self.rng.gen_range(0..4) {
                    0 if !b.is_empty() => {
                        b.truncate(self.rng.gen_range(0..b.len()));
                    }
                    1 => {
                        let at = self.rng.gen_range(0..=b.len());
                        let bad = *[0xffu8, 0xc3, 0x80, b'"', b'\\', b'{', 0]
                            .get(self.rng.gen_range(0..7))
                            .unwrap();
                        b.insert(at, bad);
                    }
                    2 if !b.is_empty() => {
                        let at = self.rng.gen_range(0..b.len());
                        b.remove(at);
                    }
                    _ => b.extend_from_slice(b"\\ud800"),
                }
                return b;
            }
        };
        text.into_bytes()
    }

    fn file(&mut self, lines: usize) -> Vec<u8> {
        let mut out = Vec::new();
        if self.chance(0.4) {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let crlf = self.chance(0.3);
        for i in 0..lines {
            // Corrupted lines may contain a newline byte; keep it a line.
            let l: Vec<u8> =
                self.line().into_iter().filter(|&b| b != b'\n').collect();
            out.extend_from_slice(&l);
            if i + 1 < lines || self.chance(0.7) {
                out.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
        }
        out
    }
}

/// Name the fields in which two tallies differ (readable failures).
fn diff(a: &Tally, b: &Tally) -> String {
    let mut out = Vec::new();
    macro_rules! field {
        ($($f:ident),*) => {$(
            if a.$f != b.$f {
                out.push(format!("{}: {:?} != {:?}", stringify!($f), a.$f, b.$f));
            }
        )*};
    }
    field!(acc, samples, errors);
    for (k, v) in &a.cells {
        if b.cells.get(k) != Some(v) {
            out.push(format!("{k:?}: {v:?} != {:?}", b.cells.get(k)));
        }
    }
    for (k, v) in &b.cells {
        if !a.cells.contains_key(k) {
            out.push(format!("{k:?}: missing != {v:?}"));
        }
    }
    out.join("\n")
}

fn generated(seed: u64, lines: usize) -> Vec<u8> {
    Gen::new(seed, false).file(lines)
}

impl Gen {
    pub(crate) fn new(seed: u64, clean: bool) -> Gen {
        Gen { rng: SmallRng::seed_from_u64(seed), clean }
    }

    /// One line (no terminator).
    pub(crate) fn one_line(&mut self) -> Vec<u8> {
        self.line().into_iter().filter(|&b| b != b'\n').collect()
    }
}

#[test]
fn streaming_reader_equals_plain_reading_line_by_line() {
    let mut lines = 0;
    let mut counted = 0;
    let mut malformed = 0;
    for seed in 0..40 {
        let data = generated(seed, 500);
        calltally::testing::lines::for_each_line(&data, |line| {
            if calltally::testing::lines::is_blank(line) {
                return;
            }
            lines += 1;
            let fast = read_jsonl_line(line);
            let plain = reference::read_line(line);
            assert_eq!(
                fast,
                plain,
                "seed {seed}: {}",
                String::from_utf8_lossy(line)
            );
            if let calltally::testing::Line::One(
                calltally::testing::Record { outcome: o, .. },
            ) = &fast
            {
                match o {
                    calltally::Outcome::Counted(_) => counted += 1,
                    calltally::Outcome::Malformed(_) => malformed += 1,
                    _ => {}
                }
            }
        });
    }
    // The generator must actually exercise every outcome.
    assert!(lines > 18_000, "{lines}");
    assert!(counted > 3_000, "{counted}");
    assert!(malformed > 1_000, "{malformed}");
}

#[test]
fn pipeline_equals_plain_reading_for_every_chunking_and_thread_count() {
    for (seed, bom) in (100..110).flat_map(|s| [(s, false), (s, true)]) {
        let mut data = generated(seed, 800);
        // Every seed once with a BOM in front (a BOM that straddles a
        // block boundary once cost lines in the stream reader).
        if bom && !data.starts_with(b"\xEF\xBB\xBF") {
            data.splice(0..0, *b"\xEF\xBB\xBF");
        }
        let body = calltally::testing::lines::strip_bom(&data);
        let mut want: Tally = tally_lines(body, 0, reference::read_line);
        want.acc.bytes = data.len() as u64;
        assert!(want.is_consistent());
        assert_eq!(tally_jsonl(body, 0).cells, want.cells);
        for threads in [1, 4] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for chunk in [1, 13, 256, 4096, 1 << 20] {
                let config = Config { chunk_size: chunk, ..Config::default() };
                let mut got = pool.install(|| tally_slice(&data, 0, &config));
                got.formats.clear();
                assert!(
                    got == want,
                    "slice seed {seed} bom {bom} threads {threads} chunk {chunk}:\n{}",
                    diff(&got, &want)
                );
                let mut got = pool.install(|| {
                    tally_reader(Cursor::new(&data), 0, "gen", &config)
                });
                got.formats.clear();
                assert!(
                    got == want,
                    "reader seed {seed} bom {bom} threads {threads} chunk {chunk}:\n{}",
                    diff(&got, &want)
                );
            }
        }
    }
}

/// Generated CSV built to trip a chunker: quoted fields holding newlines,
/// CRLF, commas and doubled quotes; stray quotes inside unquoted fields;
/// text after a closing quote; ragged rows; blank lines; invalid UTF-8.
pub(crate) fn generated_csv(seed: u64, rows: usize) -> Vec<u8> {
    let mut g = Gen::new(seed, false);
    let mut cols = [
        "TimeGenerated [UTC]",
        "ParticipantEndReason",
        "ParticipantEndSubCode",
        "ResultCategory",
        "OsVersion",
        "Note",
        "Type",
    ];
    for i in (1..cols.len()).rev() {
        cols.swap(i, g.rng.gen_range(0..=i));
    }
    let crlf = g.chance(0.5);
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut out = Vec::new();
    if g.chance(0.3) {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    out.extend_from_slice(cols.join(",").as_bytes());
    out.extend_from_slice(eol);
    for r in 0..rows {
        let n = match g.rng.gen_range(0..40) {
            0 => cols.len() - 1,
            1 => cols.len() + 1,
            _ => cols.len(),
        };
        let cells: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let name = cols.get(i).copied().unwrap_or("");
                let plain = match name {
                    "ParticipantEndReason" => g
                        .pick(&[
                            "0", "410", "487", " 603 ", "", "null", "abc",
                            "-1",
                        ])
                        .to_owned(),
                    "ParticipantEndSubCode" => g
                        .pick(&["0", "3112", "560503", "", "Redacted", "4.5"])
                        .to_owned(),
                    "ResultCategory" => g
                        .pick(&[
                            "Success",
                            "ExpectedError",
                            "Failed",
                            "",
                            "unxpectedclienterror",
                        ])
                        .to_owned(),
                    _ => g
                        .pick(&[
                            "x",
                            "Windows 10",
                            "5/2/2024, 10:15:03.412 AM",
                            "",
                        ])
                        .to_owned(),
                };
                match g.rng.gen_range(0..14) {
                    0 => format!("\"{plain}, with comma\"").into_bytes(),
                    1 => {
                        format!("\"line one\nline two {plain}\"").into_bytes()
                    }
                    2 => b"\"crlf\r\ninside\"".to_vec(),
                    3 => b"\"say \"\"hi\"\"\"".to_vec(),
                    4 => format!("ab\"c{plain}").into_bytes(),
                    5 => b"\"closed\"tail".to_vec(),
                    6 => b"\"\"\"\"".to_vec(),
                    7 => vec![b'x', 0xff, b'y'],
                    8 => format!("\"{plain}\"").into_bytes(),
                    _ => plain.into_bytes(),
                }
            })
            .collect();
        out.extend_from_slice(&cells.join(&b","[..]));
        if g.chance(0.03) {
            out.extend_from_slice(eol);
        }
        if r + 1 < rows || g.chance(0.5) {
            out.extend_from_slice(eol);
        }
    }
    out
}

fn csv_config(chunk: usize) -> Config {
    Config {
        format: calltally::Format::Csv,
        chunk_size: chunk,
        ..Config::default()
    }
}

#[test]
fn csv_in_parallel_chunks_equals_one_sequential_pass() {
    use calltally::testing::csv::{read_header, read_rows};
    use calltally::testing::lines::count_lines;
    use calltally::testing::tally_data;
    let mut quoted_newlines = 0;
    for seed in 0..24 {
        let data = generated_csv(seed, 300);
        quoted_newlines += data.windows(2).filter(|w| w == b"e\n").count();
        // The oracle: the csv crate over the whole input, one pass.
        let body = calltally::testing::lines::strip_bom(&data);
        let (header, n) = read_header(body).unwrap();
        let plan = calltally::Plan::default();
        let mut counter = calltally::testing::Counter::new(&plan, 0);
        read_rows(&body[n..], &header, &mut counter);
        let mut want = counter.finish();
        want.acc.bytes = (body.len() - n) as u64;
        want.shift_lines(count_lines(&body[..n]));
        want.acc.lines += count_lines(&body[..n]);
        want.acc.bytes = data.len() as u64;
        assert!(want.acc.malformed > 0 && want.acc.counted > 0, "seed {seed}");
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for chunk in [1, 2, 3, 7, 16, 64, 1000, 1 << 20] {
                for stream in [false, true] {
                    let config = csv_config(chunk);
                    let mut got = pool
                        .install(|| tally_data(&data, &config, stream))
                        .unwrap();
                    assert_eq!(got.formats["csv"].records, want.acc.records);
                    got.formats.clear();
                    assert!(
                        got == want,
                        "seed {seed} threads {threads} chunk {chunk} stream {stream}:\n{}",
                        diff(&got, &want)
                    );
                }
            }
        }
    }
    assert!(quoted_newlines > 100, "{quoted_newlines}");
}

/// Compress with gzip (one member) or zstd (one frame).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e =
        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).unwrap()
}

#[test]
fn compressed_and_streamed_inputs_equal_the_plain_reading() {
    use calltally::testing::tally_data;
    let jsonl = generated(7, 3000);
    let csv = generated_csv(7, 500);
    // A JSON document: the same records as an array.
    let records: Vec<String> = generated(8, 2000)
        .split(|&b| b == b'\n')
        .filter(|l| {
            l.starts_with(b"{")
                && serde_json::from_slice::<serde::de::IgnoredAny>(l).is_ok()
        })
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    let doc = format!("[\n{}\n]\n", records.join(",\n")).into_bytes();
    for (name, data) in [("jsonl", jsonl), ("csv", csv), ("json", doc)] {
        let auto = Config { chunk_size: 4096, ..Config::default() };
        let mut want = tally_data(&data, &auto, false).unwrap();
        assert_eq!(want.formats[name].files, 1, "{name} sniffed");
        want.acc.bytes = 0;
        // Two gzip members in a row are one stream (MultiGzDecoder).
        let (a, b) = data.split_at(data.len() / 2);
        let two_members = [gzip(a), gzip(b)].concat();
        for (codec, bytes) in [
            ("plain", data.clone()),
            ("gzip", gzip(&data)),
            ("gzip members", two_members),
            ("zstd", zstd(&data)),
        ] {
            for chunk in [7, 4096, 1 << 20] {
                for stream in [false, true] {
                    let config =
                        Config { chunk_size: chunk, ..Config::default() };
                    let mut got = tally_data(&bytes, &config, stream).unwrap();
                    assert_eq!(
                        got.acc.bytes,
                        bytes.len() as u64,
                        "{name} {codec}"
                    );
                    got.acc.bytes = 0;
                    assert!(
                        got == want,
                        "{name} {codec} chunk {chunk} stream {stream}:\n{}",
                        diff(&got, &want)
                    );
                }
            }
        }
    }
}
