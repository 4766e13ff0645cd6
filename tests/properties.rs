//! Property tests: tallies merge in any grouping and order; chunking never
//! changes a result.

use calltally::config::Config;
use calltally::testing::lines::split_lines;
use calltally::testing::tally_jsonl;
use calltally::testing::tally_slice;
use calltally::InputError;
use calltally::Tally;
use calltally::{Category, Outcome, Triple};
use proptest::prelude::*;

fn arb_outcome() -> impl Strategy<Value = Outcome> {
    let cat = prop_oneof![
        Just(None),
        Just(Some(Category::Success)),
        Just(Some(Category::ExpectedError)),
        Just(Some(Category::UnexpectedServerError)),
    ];
    prop_oneof![
        4 => (0i64..5, proptest::option::of(0i64..3), cat)
            .prop_map(|(code, subcode, category)| {
                Outcome::Counted(Triple { code, subcode, category })
            }),
        1 => Just(Outcome::WithoutCode),
        1 => "[a-z]{1,4}".prop_map(Outcome::Malformed),
    ]
}

/// A tally built the way the pipeline builds them.
fn arb_tally() -> impl Strategy<Value = Tally> {
    (
        proptest::collection::vec((arb_outcome(), 0u32..3, 1u64..50), 0..40),
        0u64..5,
        proptest::option::of("[a-z]{1,3}"),
    )
        .prop_map(|(mut outs, blank, err)| {
            // A piece of input is read in order.
            outs.sort_by_key(|o| (o.1, o.2));
            outs.dedup_by_key(|o| (o.1, o.2));
            let mut t = Tally::default();
            for (o, input, line) in outs {
                t.add(o, input, line);
                t.acc.lines += 1;
            }
            t.acc.blank = blank;
            t.acc.lines += blank;
            t.acc.inputs = 1;
            if let Some(e) = err {
                t.errors.push(InputError {
                    input: 0,
                    path: e,
                    message: "m".into(),
                });
            }
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn merge_is_associative(a in arb_tally(), b in arb_tally(), c in arb_tally()) {
        let left = a.clone().merge(b.clone()).merge(c.clone());
        let right = a.merge(b.merge(c));
        prop_assert_eq!(left, right);
    }

    #[test]
    fn merge_is_commutative(a in arb_tally(), b in arb_tally()) {
        prop_assert_eq!(a.clone().merge(b.clone()), b.merge(a));
    }

    #[test]
    fn default_is_the_identity(a in arb_tally()) {
        prop_assert_eq!(Tally::default().merge(a.clone()), a.clone());
        prop_assert_eq!(a.clone().merge(Tally::default()), a);
    }

    #[test]
    fn merging_keeps_the_identities(a in arb_tally(), b in arb_tally()) {
        prop_assert!(a.is_consistent());
        prop_assert!(a.merge(b).is_consistent());
    }

    #[test]
    fn split_pieces_rejoin_and_end_at_newlines(
        data in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'a'), Just(b'\r')], 0..300),
        size in 1usize..64,
    ) {
        let pieces = split_lines(&data, size);
        prop_assert_eq!(pieces.concat(), data.clone());
        for p in pieces.iter().take(pieces.len().saturating_sub(1)) {
            prop_assert_eq!(p.last(), Some(&b'\n'));
        }
    }

    #[test]
    fn chunking_never_changes_the_tally(
        lines in proptest::collection::vec(prop_oneof![
            Just(r#"{"code":1,"subCode":2,"resultCategory":"Success"}"#),
            Just(r#"{"properties":{"participantEndReason":"410","ParticipantEndSubCode":"3112"}}"#),
            Just(r#"{"records":[{"code":0},{"x":1},3]}"#),
            Just(r#"{"code":"abc"}"#),
            Just("not json"),
            Just(""),
            Just("  "),
            Just(r#"{"category":"CallDiagnostics"}"#),
        ], 0..60),
        chunk in 1usize..200,
        threads in 1usize..4,
    ) {
        let data = lines.join("\n");
        let want = tally_jsonl(data.as_bytes(), 0);
        let config = Config { chunk_size: chunk, ..Config::default() };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut got = pool.install(|| tally_slice(data.as_bytes(), 0, &config));
        got.formats.clear();
        prop_assert_eq!(got, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// CallSummaryUpdates versions (spec §3) settle to the same counts
    /// whatever the chunking, the thread count and the order pieces merge
    /// in, with and without distinct counting (without it, a piece holding
    /// a versioned record is read again for its ids).
    #[test]
    fn versions_settle_the_same_whatever_the_chunking(
        lines in proptest::collection::vec(prop_oneof![
            Just(r#"{"category":"CallSummaryUpdates","correlationId":"c1","properties":{"participantId":"p1","callUpdatesVersion":"2","participantEndReason":"410","resultCategory":"ExpectedError"}}"#),
            Just(r#"{"category":"CallSummaryUpdates","correlationId":"c1","properties":{"participantId":"p1","callupdatesversion":1,"participantEndReason":"0"}}"#),
            Just(r#"{"category":"CallSummaryUpdates","correlationId":"c1","properties":{"participantId":"p2","CallUpdatesVersion":"3","participantEndReason":"0","resultCategory":"Success"}}"#),
            Just(r#"{"category":"CallSummaryUpdates","correlationId":"c2","properties":{"participantId":"p1","callUpdatesVersion":"3"}}"#),
            Just(r#"{"category":"CallSummaryUpdates","correlationId":"c2","properties":{"participantId":"p1","callUpdatesVersion":"3","participantEndReason":"487"}}"#),
            Just(r#"{"category":"CallSummary","correlationId":"c1","properties":{"participantId":"p1","participantEndReason":"0"}}"#),
            Just(r#"{"code":1}"#),
            Just("not json"),
        ], 0..60),
        chunk in 1usize..300,
        threads in 1usize..4,
        distinct in proptest::bool::ANY,
    ) {
        let data = lines.join("\n");
        let mut config = Config::default();
        config.plan.distinct = distinct.then_some(12);
        let whole = Config { chunk_size: 1 << 30, ..config.clone() };
        let mut want = tally_slice(data.as_bytes(), 0, &whole);
        want.settle_versions(config.plan.distinct);
        let config = Config { chunk_size: chunk, ..config };
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut got = pool.install(|| tally_slice(data.as_bytes(), 0, &config));
        got.settle_versions(config.plan.distinct);
        prop_assert_eq!(&got, &want);
        let a = got.acc;
        prop_assert_eq!(
            a.records,
            a.counted + a.without_code + a.superseded + a.filtered
        );
        prop_assert!(got.is_consistent());
    }
}

/// Valid records of every shape, to be mutated.
const SEEDS: &[&str] = &[
    r#"{"category":"CallSummary","properties":{"participantEndReason":"410","ParticipantEndSubCode":"3112","ResultCategory":"ExpectedError"}}"#,
    r#"{"records":[{"code":0},{"resultCode":"200","resultSubcode":0,"resultType":"Completed"}]}"#,
    r#"{"tables":[{"columns":[{"name":"ParticipantEndReason"}],"rows":[["487"]]}]}"#,
    "ParticipantEndReason,ParticipantEndSubCode,ResultCategory\r\n410,3112,ExpectedError\r\n\"0\",\"\",Success",
    "[CallClient] Call end reason=x, code=480, subCode=10037",
    "azure:ACS-calling:info CallAgent created\nadd participant failed code: 500, subcode: 511404\n\nunmute failed subCode=41016",
    r#"{"type":"Microsoft.Communication.PlayFailed","data":{"resultInformation":{"code":400,"subCode":8535,"sipDetails":{"code":486}}},"error":{"_code":1}}"#,
    r#"[{"_code":0,"_subCode":5317,"_resultCategories":["ExpectedError"]}]"#,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random bytes, and random mutations of valid records, through every
    /// format and both read paths: no panic, the accounting identities
    /// hold, and the paths agree (the `whole_input` fuzz property).
    #[test]
    fn random_and_mutated_input_never_breaks_the_accounting(
        selector in any::<u8>(),
        seed in 0..SEEDS.len(),
        copies in 1usize..4,
        edits in proptest::collection::vec(
            (any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..12),
        random in proptest::collection::vec(any::<u8>(), 0..200),
        use_random in any::<bool>(),
    ) {
        let mut data: Vec<u8> = if use_random {
            random
        } else {
            std::iter::repeat_n(SEEDS[seed], copies).collect::<Vec<_>>().join("\n").into_bytes()
        };
        for (at, byte, kind) in edits {
            if data.is_empty() {
                data.push(byte);
                continue;
            }
            let i = at.index(data.len());
            match kind {
                0 => data[i] = byte,
                1 => data.insert(i, byte),
                _ => { data.remove(i); }
            }
        }
        let mut input = vec![selector];
        input.extend_from_slice(&data);
        crate::regression::whole_input(&input);
    }
}
