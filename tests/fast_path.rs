//! The fast byte scanner (`extract::fast`) against the serde reading and
//! the plain reading (`reference`): wherever the scanner answers, it gives
//! exactly what serde gives; where it is unsure it says so. The tests also
//! check that it does answer for the common shapes, so a scanner that
//! always gives up cannot pass for a fast one.

use calltally::testing::lines::{for_each_line, is_blank};
use calltally::testing::tree as reference;
use calltally::testing::{fast, json, read_jsonl_line, Role, Roles};
use proptest::prelude::*;

use crate::differential::Gen;
use crate::util::wanted;

/// Compare one line three ways; returns whether the scanner read it.
/// Each way reads the triple alone, and again with every on-demand value
/// of spec §7 (times, ids, dimensions) and with a part of them.
fn check(line: &[u8]) -> bool {
    let serde = json::read_line(line);
    let plain = reference::read_line(line);
    let shown = String::from_utf8_lossy(line);
    assert_eq!(serde, plain, "serde vs plain: {shown}");
    assert_eq!(read_jsonl_line(line), serde, "combined vs serde: {shown}");
    let some = Roles::NONE
        .with(Role::Time)
        .with(Role::Participant)
        .with(Role::Operation);
    let [f1, f2] = field_plans();
    let all_f1 = Roles(Roles::ALL.0, f1.1);
    for wanted in [Roles::ALL, some, f1, f2, all_f1] {
        let serde = json::read_line_for(line, wanted);
        let plain = reference::read_line_for(line, wanted);
        assert_eq!(serde, plain, "serde vs plain, {wanted:?}: {shown}");
        if let Some(f) = fast::read_line_for(line, wanted) {
            assert_eq!(f, serde, "scanner vs serde, {wanted:?}: {shown}");
        }
    }
    match fast::read_line(line) {
        Some(f) => {
            assert_eq!(f, serde, "scanner vs serde: {shown}");
            true
        }
        None => false,
    }
}

/// The readers' wants of two plans with `field:` dimensions (spec §7):
/// names of the generated lines' keys that are no key of the table
/// (`resultDescription` holds strings, `x` objects), and names that are
/// (read both ways: a code, the log kind, a category, a payload, a
/// subcode, the values of spec §7).
pub(crate) fn field_plans() -> [Roles; 2] {
    [
        wanted(
            "field:code,field:resultDescription,field:sdkVersion,\
             field:Category,field:resultType,field:x",
        ),
        wanted(
            "field:OperationPayload,field:SUBCODE,field:endpointType,\
             field:time,field:_code,field:callUpdatesVersion,field:extra",
        ),
    ]
}

/// Whether the scanner is expected to read a line itself: well-formed
/// JSON, an object (or a batch: an array of objects), no backslash or
/// control byte, no `tables` envelope, and every `records` element an
/// object.
fn scanner_should_read(line: &[u8]) -> bool {
    use calltally::testing::{classify_key, Role};
    use serde_json::Value;
    if line.iter().any(|&b| b == b'\\' || b < 0x20) {
        return false;
    }
    let top = match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(top)) => top,
        Ok(Value::Array(items)) => return items.iter().all(Value::is_object),
        _ => return false,
    };
    let mut records_ok = true;
    for (k, v) in &top {
        match classify_key(k) {
            Some(k) if k.role == Role::Tables => return false,
            Some(k) if k.role == Role::Records => {
                records_ok = match v {
                    Value::Array(items) => items.iter().all(Value::is_object),
                    _ => true,
                };
            }
            _ => {}
        }
    }
    records_ok
}

#[test]
fn scanner_agrees_with_serde_on_generated_lines() {
    for clean in [true, false] {
        let (mut lines, mut read, mut should) = (0u32, 0u32, 0u32);
        for seed in 0..30 {
            let mut g = Gen::new(1000 + seed, clean);
            for _ in 0..400 {
                let line = g.one_line();
                if is_blank(&line) {
                    continue;
                }
                lines += 1;
                let got = check(&line);
                read += u32::from(got);
                if scanner_should_read(&line) {
                    should += 1;
                    assert!(
                        got,
                        "scanner gave up on {}",
                        String::from_utf8_lossy(&line)
                    );
                }
            }
        }
        // The generator is hostile (corrupted lines, escaped quotes,
        // tables); still, a good share of lines must take the fast path.
        let want = if clean { 0.45 } else { 0.1 };
        let share = f64::from(read) / f64::from(lines);
        assert!(share > want, "clean {clean}: read {read} of {lines}");
        let min = if clean { lines / 5 } else { lines / 10 };
        assert!(should > min, "clean {clean}: {should} of {lines}");
    }
}

/// Every line of the shipped fixtures in JSON Lines form.
#[test]
fn scanner_agrees_with_serde_on_fixture_lines() {
    let root = crate::util::root().join("fixtures");
    let (mut lines, mut read) = (0u32, 0u32);
    for dir in ["storage", "formats/eventhubs", "adversarial"] {
        for entry in walkdir::WalkDir::new(root.join(dir)) {
            let entry = entry.unwrap();
            if !entry.file_type().is_file() {
                continue;
            }
            let data = std::fs::read(entry.path()).unwrap();
            for_each_line(&data, |line| {
                if !is_blank(line) {
                    lines += 1;
                    read += u32::from(check(line));
                }
            });
        }
    }
    assert!(lines > 100, "{lines}");
    assert!(read * 2 > lines, "read {read} of {lines}");
}

/// Lines built to fool a byte scanner. Each is compared three ways; the
/// second field says whether the scanner must read it itself (`true`) or
/// must leave it to serde (`false`).
#[test]
fn scanner_traps() {
    let cases: &[(&[u8], bool)] = &[
        // The key's text inside values and other keys.
        (br#"{"x":"\"code\":5","code":1}"#, false),
        (br#"{"x":"code:5","code":1}"#, true),
        (br#"{"note":"{\"code\":410}"}"#, false),
        (br#"{"code ":"1"," code":"2"}"#, true),
        (br#"{"codex":1,"xcode":2,"cod":3}"#, true),
        (br#"{"a":{"code":410},"b":[{"code":1}]}"#, true),
        (br#"{"properties":{"properties":{"code":1}}}"#, true),
        (br#"{"properties":{"records":[{"code":1}]}}"#, true),
        // The levels of spec §3: `properties`, `data`, `error`, one deep,
        // tried in that order per key; `resultInformation` as the last
        // resort; the same words anywhere else never count.
        (br#"{"data":{"code":200},"error":{"_code":0,"_subCode":5317}}"#, true),
        (br#"{"error":{"code":1},"DATA":{"code":2},"Properties":{"code":3}}"#, true),
        (br#"{"error":{"_code":0,"_subCode":5317,"_resultCategories":["ExpectedError"]}}"#, true),
        (br#"{"data":{"data":{"code":1}},"error":{"properties":{"code":2}}}"#, true),
        (br#"{"properties":{"data":{"code":1},"error":{"code":2}}}"#, true),
        (br#"{"data":{"code":1},"data":{"subcode":2}}"#, true),
        (br#"{"data":{"code":1},"data":"x"}"#, true),
        (br#"{"data":[{"code":1}],"error":null}"#, true),
        (br#"{"data":"{\"code\":1}"}"#, false),
        (br#"{"data":"{'code':1}"}"#, true),
        (br#"{"type":"Microsoft.Communication.CallDisconnected","data":{"resultInformation":{"code":200,"subCode":5002,"message":"x"}}}"#, true),
        (br#"{"resultInformation":{"code":500,"subCode":560503,"SipDetails":{"code":486},"Q850Details":{"code":17}}}"#, true),
        (br#"{"resultInformation":{"SipDetails":{"code":486,"subCode":1},"Q850Details":{"Code":17}}}"#, true),
        (br#"{"callDebuggingInfo":{"code":410,"resultInformation":{"code":1}}}"#, true),
        (br#"{"x":{"resultInformation":{"code":1}},"SipDetails":{"code":486}}"#, true),
        (br#"{"resultInformation":{"code":1},"resultInformation":{"subCode":2}}"#, true),
        (br#"{"resultInformation":{"code":"abc"},"data":{"code":2}}"#, true),
        (br#"{"resultInformation":{"code":"abc"}}"#, true),
        (br#"{"resultInformation":"{code:1}","code":null}"#, true),
        (br#"{"resultInformation":[{"code":1}]}"#, true),
        (br#"{"resultSignature":202,"data":{"resultInformation":{"code":400,"subCode":8523}}}"#, true),
        (br#"{"operationPayload":{"SubCode":7},"resultInformation":{"code":500,"subCode":8}}"#, true),
        (br#"{"error":{"resultInformation":{"code":1}},"data":{"resultInformation":{"code":2}}}"#, true),
        (br#"{"resultInformation":{"resultInformation":{"code":1},"_code":2}}"#, true),
        (br#"{"records":[{"records":[{"code":1}]}]}"#, true),
        // Duplicates: the last one wins, at every level.
        (br#"{"code":1,"code":2,"CODE":"3"}"#, true),
        (br#"{"properties":{"code":1},"properties":5}"#, true),
        (br#"{"properties":{"code":1},"properties":{"subcode":2}}"#, true),
        (br#"{"records":[{"code":1}],"records":{}}"#, true),
        (br#"{"records":[],"code":7}"#, true),
        (br#"{"category":"A","Category":" ","type":"B"}"#, true),
        // Values of every kind where a code is expected.
        (br#"{"code":-0}"#, true),
        (br#"{"code":0.0}"#, true),
        (br#"{"code":1E2}"#, true),
        (br#"{"code":9223372036854775807}"#, true),
        (br#"{"code":9223372036854775808}"#, true),
        (br#"{"code":-9223372036854775808}"#, true),
        (br#"{"code":-9223372036854775809}"#, true),
        (br#"{"code":1e400}"#, false),
        (br#"{"x":1e400,"code":1}"#, false),
        (br#"{"x":-1e-400,"code":1}"#, true),
        (br#"{"code":false}"#, true),
        (br#"{"code":" 410 ","subcode":"+3112"}"#, true),
        (br#"{"resultCategory":7}"#, true),
        (br#"{"resultCategory":true,"code":1}"#, true),
        (br#"{"resultCategories":["Success"],"code":1}"#, true),
        (br#"{"resultCategories":[[],"x"],"resultType":"Success","code":1}"#, true),
        (br#"{"resultCategories":[ ],"resultType":"Success","code":1}"#, true),
        (br#"{"code":{"a":1},"subcode":[2]}"#, true),
        // Escapes anywhere send the line to serde.
        (br#"{"\u0063ode":1}"#, false),
        (br#"{"code":"\u0034\u0031\u0030"}"#, false),
        (br#"{"x":"\ud800","code":1}"#, false),
        (br#"{"x":"a\\","code":1}"#, false),
        // Malformed JSON the scanner must not accept.
        (br#"{"code":1,}"#, false),
        (br#"{"code":1 "x":2}"#, false),
        (br#"{"code"1}"#, false),
        (br#"{"code":01}"#, false),
        (br#"{"code":1.}"#, false),
        (br#"{"code":.5}"#, false),
        (br#"{"code":1e}"#, false),
        (br#"{"code":+1}"#, false),
        (br#"{"code":--1}"#, false),
        (br#"{"code":nul}"#, false),
        (br#"{"code":True}"#, false),
        (br#"{"code":1}}"#, false),
        (br#"{"code":1} {"code":2}"#, false),
        (br#"{"code":"1}"#, false),
        (br#"{"code":[1,]}"#, false),
        (br#"{"a":[1 2]}"#, false),
        (br#"{"a":{"b"}}"#, false),
        (br#"{"a":{1:2}}"#, false),
        (br#"{code:1}"#, false),
        (br#"{'code':1}"#, false),
        (b"{\"code\":1}\x00", false),
        (b"{\"code\":\"4\x0110\"}", false),
        (b"{\"code\":\t1}", false),
        (b"{\"code\":1}\x0c", false),
        (b"{\"x\":\"\xff\",\"code\":1}", false),
        (b"{\"x\":\"\xc3\",\"code\":1}", false),
        (b"{\"x\":\"\xed\xa0\x80\",\"code\":1}", false),
        (b"\xef\xbb\xbf{\"code\":1}", false),
        (b"{\"code\":1}\xc2\xa0", false),
        // Non-ASCII that is fine.
        ("{\"x\":\"\u{e9}\u{1F600}\",\"code\":1}".as_bytes(), true),
        ("{\"c\u{f4}de\":1,\"code\":2}".as_bytes(), true),
        ("{\"\u{212A}ode\":1}".as_bytes(), true),
        // Not an object, or an envelope element that is not one; a batch
        // of events (an array of objects) is read.
        (br#"[{"code":1}]"#, true),
        (br#" [ ] "#, true),
        (br#"[{"code":1},{"data":{"code":2}}]"#, true),
        (br#"[{"code":1},7]"#, false),
        (br#"[[{"code":1}]]"#, false),
        (br#"[{"code":1}"#, false),
        (br#"[{"code":1}],"#, false),
        (br#""code""#, false),
        (br#"{"records":[{"code":1},7]}"#, false),
        (br#"{"records":[{"code":1},"x"]}"#, false),
        // Payloads are read; tables are left to serde.
        (br#"{"code":1,"operationPayload":{"SubCode":5}}"#, true),
        (br#"{"code":1,"operationPayload":{"SubCode":5,"subcode":6}}"#, true),
        (br#"{"code":1,"properties":{"OperationPayload":"x"}}"#, true),
        (br#"{"tables":5,"code":1}"#, false),
        // Whitespace (spaces only on the fast path).
        (br#"   {  "code"  :  1  ,  "subcode"  :  2  }   "#, true),
        (br#"{ }"#, true),
        (br#"{"a":[ ],"b":{ },"code":1}"#, true),
    ];
    for &(line, reads) in cases {
        assert_eq!(
            check(line),
            reads,
            "scanner read it: {}",
            String::from_utf8_lossy(line)
        );
    }
}

/// Nesting just below and above the scanner's depth limit.
#[test]
fn scanner_depth_limit() {
    for depth in [1, 10, fast::MAX_DEPTH - 2, fast::MAX_DEPTH, 127, 128, 129] {
        let line = format!(
            "{{\"a\":{}{},\"code\":1}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        check(line.as_bytes());
        let line = format!(
            "{{\"a\":{}1{},\"code\":1}}",
            "{\"b\":".repeat(depth),
            "}".repeat(depth)
        );
        check(line.as_bytes());
    }
}

/// Long lines: quotes across the 64-byte blocks the scanner indexes.
#[test]
fn scanner_block_boundaries() {
    for pad in 0..140 {
        let v = "x".repeat(pad);
        let line =
            format!("{{\"{v}\":\"{v}\",\"code\":\"{pad}\",\"s\":\"\"}}");
        assert!(check(line.as_bytes()), "{line}");
        let line = format!("{{\"a\":\"{v}\u{e9}\",\"code\":{pad}}}");
        assert!(check(line.as_bytes()), "{line}");
        let line = format!("{{\"a\":\"{v}\\\"\",\"code\":{pad}}}");
        assert!(!check(line.as_bytes()), "{line}");
        let line = format!("{{\"a\":\"{v}");
        assert!(!check(line.as_bytes()), "{line}");
    }
}

/// Bytes that matter to a JSON scanner, for mutations.
const ALPHABET: &[u8] =
    b"\"{}[]:, \\0123456789-+.eEtrufalsn\t\x00\x7f\xc3\xa9\xff";

fn seed_line() -> impl Strategy<Value = Vec<u8>> {
    (0u64..5000, any::<bool>()).prop_map(|(seed, clean)| {
        let mut g = Gen::new(seed, clean);
        loop {
            let l = g.one_line();
            if !is_blank(&l) {
                return l;
            }
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Generated lines with bytes inserted, replaced and removed: the
    /// scanner either agrees with serde or leaves the line to it.
    #[test]
    fn scanner_agrees_with_serde_on_mutated_lines(
        line in seed_line(),
        edits in prop::collection::vec(
            (0u8..3, any::<prop::sample::Index>(), prop::sample::select(ALPHABET)),
            1..4,
        ),
    ) {
        let mut b = line;
        for (op, at, byte) in edits {
            match op {
                0 => { let i = at.index(b.len() + 1); b.insert(i, byte); }
                1 if !b.is_empty() => { let i = at.index(b.len()); b[i] = byte; }
                _ if !b.is_empty() => { let i = at.index(b.len()); b.remove(i); }
                _ => {}
            }
        }
        b.retain(|&c| c != b'\n');
        if !is_blank(&b) {
            check(&b);
        }
    }
}
