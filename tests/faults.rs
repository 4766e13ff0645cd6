//! Faults while a run is under way: a file that shrinks while it is read,
//! a memory-mapped file truncated under the reader, Ctrl-C, a file that
//! disappears between listing and reading.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use crate::util::{cmd, report, scratch, stable_summary, stderr};

/// Write about `mb` MiB of valid JSON Lines records.
fn big_jsonl(path: &Path, mb: usize) {
    let line = br#"{"time":"2024-05-02T10:15:03Z","category":"CallSummary","properties":{"participantEndReason":"410","ParticipantEndSubCode":"3112","ResultCategory":"ExpectedError","callDebuggingInfo":{"x":"padding padding padding padding padding padding"}}}"#;
    let mut data = Vec::with_capacity(mb << 20);
    while data.len() < mb << 20 {
        data.extend_from_slice(line);
        data.push(b'\n');
    }
    std::fs::write(path, data).unwrap();
}

/// Run `report` on `file`, truncating it to 1 KiB after `delay`.
fn run_and_truncate(
    file: &Path,
    args: &[&str],
    delay: Duration,
) -> std::process::Output {
    let out = file.with_extension("out");
    let child = cmd()
        .args([
            "report",
            file.to_str().unwrap(),
            "-q",
            "-o",
            out.to_str().unwrap(),
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    std::fs::OpenOptions::new()
        .write(true)
        .open(file)
        .unwrap()
        .set_len(1024)
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Truncate a file under a run until one attempt catches it mid-read
/// (larger files each time), and return that run's stderr. `settled` ages
/// the file so that it is mapped; a fresh file is read. Never a signal.
fn catch_mid_read(name: &str, settled: bool, args: &[&str]) -> String {
    let dir = scratch(name);
    for attempt in 0..6 {
        let file = dir.join(format!("{name}{attempt}.json"));
        big_jsonl(&file, 64 << (attempt / 2));
        if settled {
            let old = SystemTime::now() - Duration::from_secs(3600);
            std::fs::File::options()
                .write(true)
                .open(&file)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let o = run_and_truncate(&file, args, Duration::from_millis(15));
        let err = stderr(&o);
        assert_eq!(o.status.signal(), None, "killed by a signal: {err}");
        match o.status.code() {
            Some(1) => {
                // The run failed; it wrote no half-finished report.
                let out = file.with_extension("out");
                if err.contains("memory-mapped") {
                    assert!(!out.join("by_code.csv").exists());
                }
                let shown = file.file_name().unwrap().to_str().unwrap();
                assert!(
                    err.contains(shown) || err.contains("memory-mapped"),
                    "{err}"
                );
                return err;
            }
            // The run finished before the truncation: try a larger file.
            Some(0) => continue,
            other => panic!("exit {other:?}: {err}"),
        }
    }
    panic!("never caught the file mid-read");
}

#[test]
fn a_file_that_shrinks_while_read_is_reported_not_fatal() {
    // A freshly written file is not "settled", so it is read, not mapped:
    // a shrink ends the read early and is reported.
    let err =
        catch_mid_read("shrink", false, &["-j1", "--chunk-size", "65536"]);
    assert!(err.contains("file shrank from"), "{err}");
}

#[test]
fn a_mapped_file_truncated_under_the_reader_ends_cleanly() {
    // A settled file is mapped; truncating it raises SIGBUS, which the
    // binary turns into a message and exit code 1 (no report written).
    let err = catch_mid_read("sigbus", true, &["-j1"]);
    assert!(err.contains("truncated while it was memory-mapped"), "{err}");
}

#[test]
fn no_mmap_never_maps() {
    // With --no-mmap even a settled file is read: a truncation is reported
    // as a shrink, never a SIGBUS.
    let err = catch_mid_read(
        "nommap",
        true,
        &["-j1", "--no-mmap", "--chunk-size", "65536"],
    );
    assert!(err.contains("file shrank from"), "{err}");
}

#[test]
fn ctrl_c_exits_130_and_leaves_no_temporary_files() {
    let dir = scratch("sigint");
    let file = dir.join("big.json");
    big_jsonl(&file, 256);
    let out = dir.join("out");
    let child = cmd()
        .args([
            "report",
            file.to_str().unwrap(),
            "-j1",
            "--no-mmap",
            "-q",
            "-o",
            out.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    if o.status.code() == Some(0) {
        return; // finished first; nothing to check on this machine
    }
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_file_deleted_between_listing_and_reading_is_reported() {
    use calltally::{collect, testing::tally_inputs, Config};
    let dir = scratch("vanish");
    std::fs::write(dir.join("a.json"), "{\"code\":1}\n").unwrap();
    std::fs::write(dir.join("b.json"), "{\"code\":2}\n").unwrap();
    let (inputs, errors) = collect(std::slice::from_ref(&dir));
    assert!(errors.is_empty());
    std::fs::remove_file(dir.join("a.json")).unwrap();
    let t = tally_inputs(&inputs, &Config::default()).unwrap();
    assert_eq!(t.acc.counted, 1);
    assert_eq!(t.errors.len(), 1);
    assert!(t.errors[0].path.ends_with("a.json"));
    assert!(
        t.errors[0].message.contains("No such file"),
        "{}",
        t.errors[0].message
    );
    // And through the binary: exit 1, the rest still reported.
    std::fs::write(dir.join("c.json"), "{\"code\":3}\n").unwrap();
    let out = dir.join("out");
    let o = report(
        &out,
        &[
            dir.join("b.json").to_str().unwrap(),
            dir.join("gone.json").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stable_summary(&out)["counted"], 1);
}
