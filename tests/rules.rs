//! Spec §3, rule by rule: each case is one JSON Lines line and the outcome
//! the spec gives it, checked through the streaming reader and the plain
//! reading alike.

use calltally::testing::tree as reference;
use calltally::testing::{read_jsonl_line as read_line, Line};
use calltally::Outcome;

/// `410/3112 ExpectedError`, `0/- ?` (category from the catalog), `none`
/// (without code), `bad` (malformed); envelopes as `[a, b]`.
fn show(line: &Line) -> String {
    let one = |o: &Outcome| match o {
        Outcome::Counted(t) => format!(
            "{}/{} {}",
            t.code,
            t.subcode.map_or("-".into(), |s| s.to_string()),
            t.category.map_or("?", |c| c.as_str())
        ),
        Outcome::WithoutCode => "none".into(),
        Outcome::Malformed(_) => "bad".into(),
    };
    match line {
        Line::One(r) => one(&r.outcome),
        Line::Unmatched => "unmatched".into(),
        Line::Envelope(v) => format!(
            "[{}]",
            v.iter().map(|r| one(&r.outcome)).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn check(cases: &[(&str, &str)]) {
    for (input, want) in cases {
        let fast = read_line(input.as_bytes());
        let plain = reference::read_line(input.as_bytes());
        assert_eq!(show(&fast), *want, "streaming reader on {input}");
        assert_eq!(show(&plain), *want, "plain reading on {input}");
        assert_eq!(fast, plain, "readers disagree on {input}");
    }
}

#[test]
fn keys_match_case_insensitively_at_top_and_in_properties() {
    check(&[
        (r#"{"PARTICIPANTENDREASON":"410"}"#, "410/- ?"),
        (r#"{"participantendreason":"410"}"#, "410/- ?"),
        (r#"{"Properties":{"ParticipantEndReason":"0"}}"#, "0/- ?"),
        (
            r#"{"PROPERTIES":{"participantEndReason":"0","resultcategory":"success"}}"#,
            "0/- Success",
        ),
        (
            r#"{"ResultCode":"200","ResultSubcode":"0","ResultType":"Completed"}"#,
            "200/0 Success",
        ),
        (
            r#"{"_code":0,"_subCode":5317,"_resultCategories":["ExpectedError"]}"#,
            "0/5317 ExpectedError",
        ),
    ]);
}

#[test]
fn keys_are_trimmed_and_unescaped() {
    check(&[
        (r#"{"participant\u0045ndReason":"487"}"#, "487/- ?"),
        (r#"{"\u0063ode":1}"#, "1/- ?"),
        (r#"{" ParticipantEndSubCode ":"3112","code":410}"#, "410/3112 ?"),
        (r#"{"code\t":1}"#, "1/- ?"),
        // ASCII case folding only: a look-alike letter is another key.
        (r#"{"côde":1}"#, "none"),
    ]);
}

#[test]
fn words_elsewhere_do_not_count() {
    check(&[
        (r#"{"callDebuggingInfo":{"participantEndReason":"410"}}"#, "none"),
        (r#"{"properties":{"callDebuggingInfo":{"code":1}}}"#, "none"),
        (
            r#"{"resultDescription":"\"participantEndReason\":\"503\""}"#,
            "none",
        ),
        (r#"{"note":"code=480, subCode=10037"}"#, "none"),
        (r#"{"properties":{"properties":{"code":1}}}"#, "none"),
        (r#"{"x":[{"code":1}]}"#, "none"),
        (r#"{"properties":"{\"code\":1}"}"#, "none"),
    ]);
}

#[test]
fn key_preference_and_level_order() {
    check(&[
        // resultCode is preferred to code, whatever the order in the text.
        (r#"{"code":1,"resultCode":2}"#, "2/- ?"),
        (r#"{"_code":1,"participantEndReason":"0"}"#, "0/- ?"),
        // Same key: top level before properties.
        (
            r#"{"participantEndReason":"1","properties":{"participantEndReason":"2"}}"#,
            "1/- ?",
        ),
        // A preferred key in properties beats a later key at the top.
        (
            r#"{"resultSignature":200,"properties":{"participantEndReason":"487"}}"#,
            "487/- ?",
        ),
        // Absent at the top: properties is tried for the same key.
        (
            r#"{"participantEndReason":"null","properties":{"participantEndReason":"487"}}"#,
            "487/- ?",
        ),
        (r#"{"subCode":1,"participantEndSubCode":2,"code":0}"#, "0/2 ?"),
        (
            r#"{"resultType":"Succeeded","resultCategory":"ExpectedError","code":0}"#,
            "0/- ExpectedError",
        ),
    ]);
}

#[test]
fn absent_values_let_the_next_key_win() {
    check(&[
        (
            r#"{"participantEndReason":null,"resultCode":"null","resultSignature":"","code":"Redacted","_code":" 5 "}"#,
            "5/- ?",
        ),
        (r#"{"code":" NULL "}"#, "none"),
        (r#"{"code":"  "}"#, "none"),
        (r#"{"code":1,"subCode":null}"#, "1/- ?"),
        (r#"{"code":1,"subCode":"redacted"}"#, "1/- ?"),
        (
            r#"{"code":1,"resultCategory":null,"resultType":"Success"}"#,
            "1/- Success",
        ),
        (
            r#"{"code":1,"resultCategory":"","resultType":"Success"}"#,
            "1/- Success",
        ),
    ]);
}

#[test]
fn values_numbers_and_strings_with_spaces() {
    check(&[
        (r#"{"code":410,"subCode":3112}"#, "410/3112 ?"),
        (r#"{"code":" 410","subCode":"3112 "}"#, "410/3112 ?"),
        (r#"{"code":"-1"}"#, "-1/- ?"),
        (r#"{"code":-1}"#, "-1/- ?"),
        (r#"{"code":"+7"}"#, "7/- ?"),
        (r#"{"code":"0410"}"#, "410/- ?"),
        (r#"{"code":9223372036854775807}"#, "9223372036854775807/- ?"),
        // serde_json reads `-0` as a float (it keeps the sign); it is the
        // integer 0, as the string "-0" is (issue: `-0` was malformed).
        (r#"{"code":-0}"#, "0/- ?"),
        (r#"{"code":"-0"}"#, "0/- ?"),
    ]);
}

#[test]
fn non_integer_code_or_subcode_is_malformed() {
    for v in [
        r#""abc""#,
        r#""n/a""#,
        "4.5",
        "410.0",
        "1e3",
        "true",
        "[]",
        "{}",
        r#""99999999999999999999""#,
        "18446744073709551615",
        r#""4 10""#,
    ] {
        check(&[
            (&format!(r#"{{"code":{v}}}"#), "bad"),
            (&format!(r#"{{"code":1,"subCode":{v}}}"#), "bad"),
            // Even without a code.
            (&format!(r#"{{"_subCode":{v}}}"#), "bad"),
            // The first non-absent key decides, even if a later one is fine.
            (
                &format!(r#"{{"participantEndReason":{v},"resultCode":200}}"#),
                "bad",
            ),
        ]);
    }
}

#[test]
fn categories_normalise_and_fall_back() {
    check(&[
        (r#"{"code":0,"resultCategory":"Succeeded"}"#, "0/- Success"),
        (r#"{"code":0,"resultCategory":" completed "}"#, "0/- Success"),
        (
            r#"{"code":0,"resultCategory":"ExpectedClientError"}"#,
            "0/- ExpectedError",
        ),
        (
            r#"{"code":0,"resultCategory":"UnxpectedClientError"}"#,
            "0/- UnexpectedClientError",
        ),
        (
            r#"{"code":0,"resultCategory":"unexpectedservererror"}"#,
            "0/- UnexpectedServerError",
        ),
        // Unrecognised values are present: they stop the search and fall
        // back to the catalog.
        (
            r#"{"code":0,"resultCategory":"Failed","resultType":"Succeeded"}"#,
            "0/- ?",
        ),
        (r#"{"code":0,"resultCategory":"Failure"}"#, "0/- ?"),
        (r#"{"code":0,"resultCategory":5,"resultType":"Success"}"#, "0/- ?"),
        (
            r#"{"code":0,"resultCategory":{"a":1},"resultType":"Success"}"#,
            "0/- ?",
        ),
    ]);
}

#[test]
fn category_arrays_use_the_first_element() {
    check(&[
        (
            r#"{"code":0,"resultCategories":["ExpectedError","Success"]}"#,
            "0/- ExpectedError",
        ),
        (
            r#"{"code":0,"resultCategories":[],"resultType":"Success"}"#,
            "0/- Success",
        ),
        (
            r#"{"code":0,"resultCategories":[null],"resultType":"Success"}"#,
            "0/- Success",
        ),
        (
            r#"{"code":0,"resultCategories":[""],"resultType":"Success"}"#,
            "0/- Success",
        ),
        (r#"{"code":0,"resultCategories":["Failed","Success"]}"#, "0/- ?"),
        (
            r#"{"code":0,"resultCategories":[["Success"]],"resultType":"Success"}"#,
            "0/- ?",
        ),
    ]);
}

#[test]
fn operation_payload_subcode() {
    check(&[
        (
            r#"{"ResultSignature":"500","OperationPayload":{"SubCode":41016},"ResultType":"Failed"}"#,
            "500/41016 ?",
        ),
        (
            r#"{"ResultSignature":"500","OperationPayload":"{\"SubCode\":\"41016\"}"}"#,
            "500/41016 ?",
        ),
        (
            r#"{"ResultSignature":"500","OperationPayload":{"subcode ":1}}"#,
            "500/1 ?",
        ),
        // A payload string that is not a JSON object gives no subcode.
        (
            r#"{"ResultSignature":"500","OperationPayload":"{SubCode: 41016}"}"#,
            "500/- ?",
        ),
        (
            r#"{"ResultSignature":"500","OperationPayload":"\"{\\\"SubCode\\\":1}\""}"#,
            "500/- ?",
        ),
        (
            r#"{"ResultSignature":"500","OperationPayload":[{"SubCode":1}]}"#,
            "500/- ?",
        ),
        // Every other subcode key comes first.
        (
            r#"{"code":1,"_subCode":2,"OperationPayload":{"SubCode":3}}"#,
            "1/2 ?",
        ),
        // Top-level payload without SubCode: the one in properties.
        (
            r#"{"code":1,"OperationPayload":{"x":1},"properties":{"operationPayload":{"SubCode":4}}}"#,
            "1/4 ?",
        ),
        (r#"{"code":1,"OperationPayload":{"SubCode":"abc"}}"#, "bad"),
    ]);
}

#[test]
fn records_without_code_are_read_not_counted() {
    check(&[
        (
            r#"{"category":"CallDiagnostics","properties":{"streamId":"1000"}}"#,
            "none",
        ),
        (r#"{}"#, "none"),
        (r#"{"resultCategory":"Success","subCode":1}"#, "none"),
    ]);
}

#[test]
fn non_objects_and_invalid_json_are_malformed() {
    check(&[
        ("5", "bad"),
        (r#""code""#, "bad"),
        ("null", "bad"),
        ("true", "bad"),
        (r#"{"code":1"#, "bad"),
        (r#"{"code":1} x"#, "bad"),
        (r#"{"code":1}{"code":2}"#, "bad"),
        (r#"{code:1}"#, "bad"),
        (r#"{"code":1,}"#, "bad"),
        // serde_json's checks apply to values the reader skips, too.
        (r#"{"x":"\ud800","code":1}"#, "bad"),
        (r#"{"x":"\q","code":1}"#, "bad"),
        (r#"{"x":01,"code":1}"#, "bad"),
        (r#"{"x":1e999,"code":1}"#, "bad"),
        ("{\"x\":\"a\tb\",\"code\":1}", "bad"),
    ]);
    let bad_utf8: &[u8] = b"{\"x\":\"\xff\",\"code\":1}";
    assert_eq!(show(&read_line(bad_utf8)), "bad");
    assert_eq!(read_line(bad_utf8), reference::read_line(bad_utf8));
}

#[test]
fn duplicate_keys_last_occurrence_wins() {
    check(&[
        (r#"{"code":1,"CODE":2}"#, "2/- ?"),
        (r#"{"code":1,"code":null}"#, "none"),
        (r#"{"code":1,"subCode":5,"SubCode":null}"#, "1/- ?"),
        (r#"{"properties":{"code":1},"Properties":{"code":2}}"#, "2/- ?"),
        (r#"{"properties":{"code":1},"Properties":"x"}"#, "none"),
        (r#"{"code":"abc","code":1}"#, "1/- ?"),
    ]);
}

#[test]
fn envelopes_expand_into_records() {
    check(&[
        (r#"{"records":[{"code":1},{"x":1},7]}"#, "[1/- ?, none, bad]"),
        (r#"{"records":[]}"#, "[]"),
        (
            r#"{"Records":[{"properties":{"participantEndReason":"0","resultCategory":"Success"}}]}"#,
            "[0/- Success]",
        ),
        // Not an array: an ordinary record.
        (r#"{"records":5,"code":1}"#, "1/- ?"),
        (r#"{"records":[{"code":1}],"records":null,"code":2}"#, "2/- ?"),
        // Envelopes do not nest inside records.
        (r#"{"records":[{"records":[{"code":1}]}]}"#, "[none]"),
    ]);
}

#[test]
fn event_batches_expand_into_records() {
    check(&[
        // A webhook body logged on one line: a batch of events.
        (r#"[{"code":1}]"#, "[1/- ?]"),
        (r#"[]"#, "[]"),
        (
            r#"[{"type":"Microsoft.Communication.CallConnected","data":{"resultInformation":{"code":200,"subCode":0}}},{"eventType":"Microsoft.Communication.CallEnded","data":{"code":"x"}},7,[{"code":1}],{"x":1}]"#,
            "[200/0 ?, bad, bad, bad, none]",
        ),
        // Batches do not nest, and a `records` member inside a batch
        // element is not an envelope.
        (r#"[{"records":[{"code":1}]}]"#, "[none]"),
    ]);
}

#[test]
fn nested_levels_properties_data_error() {
    check(&[
        // Each level, any casing.
        (r#"{"DATA":{"resultCode":"487"}}"#, "487/- ?"),
        (
            r#"{"error":{"_code":0,"_subCode":5317,"_resultCategories":["ExpectedError"],"name":"CallingCommunicationError","message":"ActionNotAllowed"}}"#,
            "0/5317 ExpectedError",
        ),
        // Per key, the levels in order: top, properties, data, error.
        (
            r#"{"error":{"code":3},"data":{"code":2},"properties":{"code":1}}"#,
            "1/- ?",
        ),
        (r#"{"error":{"code":3},"data":{"code":2}}"#, "2/- ?"),
        (r#"{"error":{"code":3},"data":{"code":null}}"#, "3/- ?"),
        // A preferred key in `error` beats a later key at the top.
        (r#"{"code":1,"error":{"resultCode":2}}"#, "2/- ?"),
        // Parts from different levels.
        (
            r#"{"data":{"code":480},"error":{"subCode":10037},"properties":{"resultType":"Failed"}}"#,
            "480/10037 ?",
        ),
        // One level deep only, and only as objects.
        (r#"{"data":{"data":{"code":1}}}"#, "none"),
        (r#"{"error":{"properties":{"code":1}}}"#, "none"),
        (r#"{"properties":{"error":{"_code":1}}}"#, "none"),
        (r#"{"x":{"data":{"code":1}}}"#, "none"),
        (r#"{"data":"{\"code\":1}"}"#, "none"),
        (r#"{"data":[{"code":1}]}"#, "none"),
        // The last object of a level key wins.
        (r#"{"data":{"code":1},"Data":{"subCode":2}}"#, "none"),
        (r#"{"error":{"code":1},"error":null}"#, "none"),
        // Envelope records have levels too.
        (r#"{"records":[{"data":{"code":7}}]}"#, "[7/- ?]"),
    ]);
}

#[test]
fn result_information_is_the_last_resort() {
    check(&[
        // A Call Automation callback, and the bare `data` object.
        (
            r#"{"type":"Microsoft.Communication.CallDisconnected","data":{"resultInformation":{"code":200,"subCode":5002,"message":"The call has ended."}}}"#,
            "200/5002 ?",
        ),
        (
            r#"{"callConnectionId":"c","resultInformation":{"Code":400,"SubCode":8523}}"#,
            "400/8523 ?",
        ),
        // SipDetails and Q850Details never count.
        (
            r#"{"resultInformation":{"code":500,"subCode":560503,"sipDetails":{"code":486,"message":"Busy Here"},"q850Details":{"code":17}}}"#,
            "500/560503 ?",
        ),
        (r#"{"resultInformation":{"SipDetails":{"code":486}}}"#, "none"),
        (r#"{"SipDetails":{"code":486},"Q850Details":{"code":17}}"#, "none"),
        // Any code key at any level beats it; its subcode still fills in.
        (
            r#"{"resultSignature":202,"data":{"resultInformation":{"code":400,"subCode":8523}}}"#,
            "202/8523 ?",
        ),
        (
            r#"{"resultInformation":{"code":400,"subCode":8523},"error":{"_code":0,"_subCode":5317}}"#,
            "0/5317 ?",
        ),
        // Levels in order: the top level's first, then data's.
        (
            r#"{"data":{"resultInformation":{"code":2,"subCode":9}},"resultInformation":{"code":1}}"#,
            "1/9 ?",
        ),
        // OperationPayload's SubCode comes before it.
        (
            r#"{"operationPayload":{"SubCode":7},"resultInformation":{"code":500,"subCode":8}}"#,
            "500/7 ?",
        ),
        // Only its own code and subCode; not nested deeper; not a string.
        (r#"{"resultInformation":{"resultCode":1,"_code":2}}"#, "none"),
        (r#"{"x":{"resultInformation":{"code":1}}}"#, "none"),
        (r#"{"resultInformation":{"resultInformation":{"code":1}}}"#, "none"),
        (r#"{"resultInformation":"{\"code\":1}"}"#, "none"),
        // Its values follow the value rules.
        (r#"{"resultInformation":{"code":"abc"}}"#, "bad"),
        (r#"{"resultInformation":{"code":"abc"},"code":1}"#, "1/- ?"),
        (
            r#"{"resultInformation":{"code":" 487 ","subCode":"null"}}"#,
            "487/- ?",
        ),
    ]);
}

#[test]
fn tables_rows_are_records() {
    check(&[
        (
            r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"ParticipantEndReason","type":"string"},{"name":"ResultCategory","type":"string"}],"rows":[["410","ExpectedError"],["0"],["487",null],5]}]}"#,
            "[410/- ExpectedError, bad, 487/- ?, bad]",
        ),
        (
            r#"{"tables":[{"rows":[["x"]],"columns":[{"name":"ResultSignature"}]},{"columns":[{"name":"OperationPayload"},{"name":"code"}],"rows":[[{"SubCode":3},1]]}]}"#,
            "[bad, 1/3 ?]",
        ),
    ]);
}

#[test]
fn log_kinds_come_from_category_type_or_operation_name() {
    let kind = |input: &str| match read_line(input.as_bytes()) {
        Line::One(r) => r.kind.map(|k| k.into_owned()),
        other => panic!("{other:?}"),
    };
    let cases = [
        (
            r#"{"category":"CallSummary","Type":"x","code":1}"#,
            Some("CallSummary"),
        ),
        (r#"{"Type":"ACSCallSummary","code":1}"#, Some("ACSCallSummary")),
        (r#"{"operationName":" Join ","code":1}"#, Some("Join")),
        (
            r#"{"category":"null","Type":"ACSCallSummary"}"#,
            Some("ACSCallSummary"),
        ),
        (r#"{"category":5,"operationName":"Hangup"}"#, Some("Hangup")),
        (r#"{"properties":{"category":"CallSummary"}}"#, None),
        // A CloudEvent's kind is its `type`; an Event Grid event's its
        // `eventType`; never a `data` member's.
        (
            r#"{"type":"Microsoft.Communication.CallDisconnected","data":{"type":"x","resultInformation":{"code":200}}}"#,
            Some("Microsoft.Communication.CallDisconnected"),
        ),
        (
            r#"{"eventType":"Microsoft.Communication.CallEnded","operationName":"x","data":{"category":"y"}}"#,
            Some("Microsoft.Communication.CallEnded"),
        ),
        (r#"{"eventType":"E","type":"T"}"#, Some("T")),
        (r#"{"categ\u006Fry":"Esc"}"#, Some("Esc")),
    ];
    for (input, want) in cases {
        assert_eq!(kind(input).as_deref(), want, "{input}");
        assert_eq!(
            read_line(input.as_bytes()),
            reference::read_line(input.as_bytes())
        );
    }
}

#[test]
fn nesting_deeper_than_the_limit_is_malformed() {
    let deep = |n: usize| {
        format!(r#"{{"code":1,"x":{}{}}}"#, "[".repeat(n), "]".repeat(n))
    };
    check(&[
        (&deep(100), "1/- ?"),
        (&deep(127), "bad"),
        (&deep(10_000), "bad"),
    ]);
    let deep_props = format!(
        r#"{{"properties":{{"code":1,"x":{}{}}}}}"#,
        "{\"a\":".repeat(200),
        "}".repeat(200)
    );
    check(&[(&deep_props, "bad")]);
}

#[test]
fn integers_beyond_64_bits_say_so_on_every_path() {
    for input in [
        r#"{"code":-9223372036854775809}"#,
        r#"{"code":18446744073709551616}"#,
    ] {
        for line in [
            read_line(input.as_bytes()),
            reference::read_line(input.as_bytes()),
        ] {
            let Line::One(rec) = line else { panic!("{input}") };
            let Outcome::Malformed(reason) = rec.outcome else {
                panic!("{input}: {:?}", rec.outcome)
            };
            assert!(
                reason.contains("beyond the 64-bit range"),
                "{input}: {reason}"
            );
            assert!(
                !reason.contains("e18") && !reason.contains("e19"),
                "{reason}"
            );
        }
    }
}
