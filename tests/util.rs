//! Shared helpers: running the binary, scratch directories, golden files,
//! case lists, reading reports back, the readers' wants of a plan.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use calltally::report::{CSV_FILES, SUMMARY_JSON};
use calltally::testing::Roles;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, empty directory under `target/` for one test. The first call
/// of a test process removes what the runs of earlier processes left
/// (directories named after a process that no longer runs).
pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    static SWEEP: std::sync::Once = std::sync::Once::new();
    SWEEP.call_once(sweep_scratch);
    let dir = root().join("target/it").join(format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Remove scratch directories of test processes that have ended.
fn sweep_scratch() {
    // Whether a process runs is read from /proc (Linux): elsewhere,
    // nothing is removed.
    let Ok(entries) = std::fs::read_dir(root().join("target/it")) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.rsplit('-').nth(1).and_then(|p| p.parse().ok());
        let alive = |pid: u32| Path::new(&format!("/proc/{pid}")).exists();
        if pid.is_some_and(|pid| pid != std::process::id() && !alive(pid)) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The `calltally` binary, run from the repository root.
pub fn cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_calltally"));
    c.current_dir(root());
    c
}

/// Run the binary with `args`; returns its output.
pub fn run(args: &[&str]) -> Output {
    cmd().args(args).output().expect("run calltally")
}

/// Run `calltally report ARGS… -q -o OUT`; returns its output.
pub fn report(out: &Path, args: &[&str]) -> Output {
    cmd()
        .arg("report")
        .args(args)
        .args(["-q", "-o"])
        .arg(out)
        .output()
        .expect("run calltally")
}

/// Text of a command's stdout / stderr.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Text of a command's stderr.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Compare `got` with the golden file at `path` (relative to the repo
/// root); `UPDATE_GOLDEN=1` rewrites the file instead.
pub fn golden(path: &str, got: &str) {
    let path = root().join(path);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display())
    });
    if want != got {
        panic!(
            "{} differs from the output (UPDATE_GOLDEN=1 rewrites it)\n\
             ~~~ expected\n{want}~~~ got\n{got}~~~",
            path.display()
        );
    }
}

/// The rows of a tab-separated case list (relative to the repo root),
/// without its header row; each row must have the header's columns.
pub fn cases(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(root().join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let columns = lines.next().expect("a header row").split('\t').count();
    lines
        .map(|l| {
            let row: Vec<String> = l.split('\t').map(str::to_owned).collect();
            assert_eq!(row.len(), columns, "{path}: bad row {l:?}");
            row
        })
        .collect()
}

/// Read a report file.
pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name))
        .unwrap_or_else(|e| panic!("{}: {e}", dir.join(name).display()))
}

/// `summary.json` without the fields that change from run to run.
pub fn stable_summary(dir: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(&read(dir, SUMMARY_JSON)).unwrap();
    let m = v.as_object_mut().unwrap();
    for k in
        ["elapsed_seconds", "throughput_mb_per_s", "peak_rss_mb", "version"]
    {
        assert!(m.remove(k).is_some(), "summary.json lacks {k}");
    }
    v
}

/// For each case of `tests/golden/SET/cases.tsv` (a name, then the
/// arguments separated by spaces, given after `before`): the CSV reports
/// of a `-j1` run are the golden files under `tests/golden/SET/NAME/`
/// (then `also(name, out)` checks more of that run), and runs at `-j2`,
/// `-j2 --no-mmap --chunk-size CHUNK` and `-j1 --chunk-size 97` write the
/// same bytes and read the same records.
pub fn golden_cases(
    set: &str,
    before: &[&str],
    chunk: &str,
    mut also: impl FnMut(&str, &Path),
) {
    for case in cases(&format!("tests/golden/{set}/cases.tsv")) {
        let name = &case[0];
        let run = |out: &Path, way: &[&str]| {
            let mut a = before.to_vec();
            a.extend(case[1].split(' '));
            a.extend_from_slice(way);
            report(out, &a)
        };
        let out = scratch(set);
        let o = run(&out, &["-j1"]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        for f in CSV_FILES {
            golden(&format!("tests/golden/{set}/{name}/{f}"), &read(&out, f));
        }
        also(name, &out);
        let records = stable_summary(&out)["records"].clone();
        for way in [
            &["-j2"][..],
            &["-j2", "--no-mmap", "--chunk-size", chunk],
            &["-j1", "--chunk-size", "97"],
        ] {
            let again = scratch(set);
            let o = run(&again, way);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{name} {way:?}: {}",
                stderr(&o)
            );
            for f in CSV_FILES {
                assert_eq!(
                    read(&again, f),
                    read(&out, f),
                    "{name} {way:?} {f}"
                );
            }
            assert_eq!(stable_summary(&again)["records"], records, "{name}");
        }
    }
}

/// Run `calltally report ARGS…` (it must succeed) and read back the CSV
/// report `file`: the sum of its column `count` per the values of its
/// columns `key` (cells split at commas: the reports' values here hold
/// none).
pub fn report_counts(
    args: &[&str],
    file: &str,
    key: &[usize],
    count: usize,
) -> BTreeMap<Vec<String>, u64> {
    let out = scratch("counts");
    let o = report(&out, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    let mut got = BTreeMap::new();
    for row in read(&out, file).lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let k = key.iter().map(|&i| cells[i].to_owned()).collect();
        *got.entry(k).or_default() += cells[count]
            .parse::<u64>()
            .unwrap_or_else(|e| panic!("{file}: {row}: {e}"));
    }
    got
}

/// What the readers are asked for (`Plan::wanted`) by a plan of
/// `--by BY` alone, as of 2026-11-20T12:00:00Z.
pub fn wanted(by: &str) -> Roles {
    let now = calltally::testing::time::parse("2026-11-20T12:00:00Z")
        .expect("a time");
    calltally::Plan::from_args(&[by.into()], None, None, &[], 10, None, now)
        .expect("a plan")
        .wanted()
}
