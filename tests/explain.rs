//! `calltally explain`: text and JSON for the kinds of question an on-call
//! engineer asks, as golden files.

//!
//! The cases are `tests/golden/explain/cases.tsv`: a name, the arguments
//! (space-separated), the exit code and what the case is; the expected
//! output is `NAME.txt` and `NAME.json` beside it.

use crate::util::{cases, golden, root, run, stderr, stdout};

const CASES: &str = "tests/golden/explain/cases.tsv";

#[test]
fn explain_text_and_json_are_golden() {
    let cases = cases(CASES);
    assert!(!cases.is_empty());
    for case in &cases {
        let [name, args, code, _what] = &case[..] else { unreachable!() };
        let code: i32 = code.parse().unwrap();
        for json in [false, true] {
            let mut a = vec!["explain"];
            a.extend(args.split(' '));
            if json {
                a.push("--json");
            }
            let o = run(&a);
            assert_eq!(o.status.code(), Some(code), "{a:?}: {}", stderr(&o));
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
fn every_explain_golden_file_has_a_case() {
    let listed: Vec<String> =
        cases(CASES).into_iter().map(|c| c[0].clone()).collect();
    for entry in
        std::fs::read_dir(root().join("tests/golden/explain")).unwrap()
    {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if file == "cases.tsv" {
            continue;
        }
        let name = file.rsplit_once('.').unwrap().0;
        assert!(listed.iter().any(|n| n == name), "{file} has no case");
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
    assert_eq!(v["matched_step"], "pstn");
    assert_eq!(v["pstn"]["sip"], 502);
    assert_eq!(v["pstn"]["phrase"], "Bad Gateway");
    assert_eq!(v["pstn"]["direction"], "outbound");
    let v: serde_json::Value = serde_json::from_str(&stdout(&run(&[
        "explain", "404", "123456", "--json",
    ])))
    .unwrap();
    assert_eq!(v["matched_step"], "code");
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
