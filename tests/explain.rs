//! `calltally explain`: text and JSON for the kinds of question an on-call
//! engineer asks, as golden files.

use crate::util::{golden, run, stderr, stdout};

const CASES: &[(&str, &[&str])] = &[
    // A web SDK subcode.
    ("web-sdk-403-43001", &["403", "43001"]),
    // A server call-end subcode.
    ("call-end-410-3112", &["410/3112"]),
    // A PSTN 560xxx subcode that is not in the catalog.
    ("pstn-499-560502", &["499", "560502"]),
    // A code-only match.
    ("code-only-404", &["404", "123456"]),
    // An unknown pair.
    ("unknown-499-99999", &["499", "99999"]),
    // A subcode given alone.
    ("subcode-alone-560503", &["560503"]),
];

#[test]
fn explain_text_and_json_are_golden() {
    for (name, args) in CASES {
        for json in [false, true] {
            let mut a = vec!["explain"];
            a.extend_from_slice(args);
            if json {
                a.push("--json");
            }
            let o = run(&a);
            assert_eq!(o.status.code(), Some(0), "{a:?}: {}", stderr(&o));
            let ext = if json { "json" } else { "txt" };
            golden(&format!("tests/golden/explain/{name}.{ext}"), &stdout(&o));
            if json {
                let v: serde_json::Value =
                    serde_json::from_str(&stdout(&o)).unwrap();
                assert!(v["known"].is_boolean());
            }
        }
    }
}

#[test]
fn explain_says_plainly_when_nothing_is_documented() {
    let o = run(&["explain", "499", "99999"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("not documented"), "{}", stdout(&o));
    let o = run(&["explain", "499", "99999", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["known"], false);
    assert_eq!(v["matches"].as_array().unwrap().len(), 0);
}

#[test]
fn explain_names_the_step_and_the_sip_response() {
    let v: serde_json::Value = serde_json::from_str(&stdout(&run(&[
        "explain", "499", "560502", "--json",
    ])))
    .unwrap();
    assert_eq!(v["matched_step"], "pstn-rule");
    assert_eq!(v["pstn"]["sip"], 502);
    assert_eq!(v["pstn"]["phrase"], "Bad Gateway");
    assert_eq!(v["pstn"]["direction"], "outbound");
    let v: serde_json::Value = serde_json::from_str(&stdout(&run(&[
        "explain", "404", "123456", "--json",
    ])))
    .unwrap();
    assert_eq!(v["matched_step"], "code-only");
    let v: serde_json::Value = serde_json::from_str(&stdout(&run(&[
        "explain", "410/3112", "--json",
    ])))
    .unwrap();
    assert_eq!(v["matched_step"], "exact");
    assert_eq!(v["category"], "ExpectedError");
    assert_eq!(v["matches"][0]["source"], "calling-server");
}

#[test]
fn explain_uses_a_team_catalog() {
    let dir = crate::util::scratch("explain-team");
    let cat = dir.join("team.csv");
    std::fs::write(
        &cat,
        "code,subcode,result_category,source,summary,advice\n499,99999,,team,Ours,Do X\n",
    )
    .unwrap();
    let o =
        run(&["explain", "499", "99999", "--catalog", cat.to_str().unwrap()]);
    assert!(stdout(&o).contains("Ours"), "{}", stdout(&o));
}
