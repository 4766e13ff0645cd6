//! The terminal side of a run (binary only): the progress bar on stderr,
//! and malformed-record warnings printed as inputs finish.
//!
//! Warnings come in input order whatever order the inputs finish in (an
//! input's lines wait until every input before it is done), so the first
//! three are the first three of `summary.json`, and the output is the same
//! from run to run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::IsTerminal as _;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use calltally::progress::{InputDone, Progress, Snapshot};
use calltally::render::text::escape_control as esc;

use super::say;

/// How many malformed records are shown without `-v`.
pub const SHOWN: u64 = 3;

/// The bar, once drawn: warnings are printed around it.
type Shared = Arc<Mutex<Option<ProgressBar>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Print one line on stderr, lifting the bar out of the way if it shows.
fn print(bar: &Shared, line: &str) {
    match lock(bar).as_ref() {
        Some(b) => b.suspend(|| say(line)),
        None => say(line),
    }
}

/// Malformed records of the inputs, in input order.
pub struct Warnings {
    state: Mutex<State>,
    verbose: bool,
    out: Box<dyn Fn(&str) + Send + Sync>,
}

#[derive(Default)]
struct State {
    /// The next input whose lines may be printed.
    next: u32,
    /// Finished inputs waiting for an earlier one: their lines.
    waiting: BTreeMap<u32, Vec<String>>,
    /// Malformed records shown so far.
    shown: u64,
}

impl Warnings {
    /// Warnings that go to `out`, one line at a time (`verbose`: every
    /// sample an input kept, not only the first [`SHOWN`] of the run).
    pub fn new(
        verbose: bool,
        out: impl Fn(&str) + Send + Sync + 'static,
    ) -> Warnings {
        Warnings {
            state: Mutex::new(State::default()),
            verbose,
            out: Box::new(out),
        }
    }

    /// An input finished: print its lines, and those of the inputs after
    /// it that were waiting for it.
    pub fn input_done(&self, d: &InputDone<'_>) {
        let keep = if self.verbose { usize::MAX } else { SHOWN as usize };
        let lines: Vec<String> = d
            .samples
            .iter()
            .take(keep)
            .map(|s| {
                format!(
                    "warning: {}:{}: {}",
                    esc(d.name),
                    s.line,
                    esc(&s.reason)
                )
            })
            .collect();
        let mut st = lock(&self.state);
        st.waiting.insert(d.index, lines);
        loop {
            let next = st.next;
            let Some(lines) = st.waiting.remove(&next) else { break };
            self.emit(&mut st, lines);
            st.next += 1;
        }
    }

    fn emit(&self, st: &mut State, lines: Vec<String>) {
        for line in lines {
            if self.verbose || st.shown < SHOWN {
                (self.out)(&line);
                st.shown += 1;
            }
        }
    }

    /// The run is over with `malformed` records in all: print what is
    /// still waiting, then how many were not shown.
    pub fn finish(&self, malformed: u64) {
        let mut st = lock(&self.state);
        for lines in std::mem::take(&mut st.waiting).into_values() {
            self.emit(&mut st, lines);
        }
        if malformed > st.shown {
            let more = malformed - st.shown;
            (self.out)(&if self.verbose {
                format!(
                    "warning: {more} more malformed records — see \
                     summary.json (each input keeps its first {})",
                    calltally::MAX_SAMPLES
                )
            } else {
                format!(
                    "warning: {more} more malformed records — see \
                     summary.json (-v lists more)"
                )
            });
        }
    }
}

/// The terminal side of one run: warnings, and a progress bar when
/// stderr is a terminal.
pub struct Terminal {
    bar: Shared,
    warnings: Arc<Warnings>,
    progress: Arc<Progress>,
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

impl Terminal {
    /// Start watching a run: with `show_bar` (not `-q`) and stderr a
    /// terminal, a bar appears once the run has lasted about a second.
    pub fn start(show_bar: bool, verbose: bool) -> Terminal {
        let bar: Shared = Arc::default();
        let out = bar.clone();
        let warnings =
            Arc::new(Warnings::new(verbose, move |l| print(&out, l)));
        let hook = warnings.clone();
        let show_bar = show_bar && std::io::stderr().is_terminal();
        // Without a bar, the inputs' sizes are not looked up.
        let progress = Arc::new(
            Progress::with_hook(move |d| hook.input_done(d)).sized(show_bar),
        );
        let ticker = show_bar.then(|| {
            let (stop, stopped) = mpsc::channel();
            let (p, b) = (progress.clone(), bar.clone());
            (stop, std::thread::spawn(move || tick(&p, &b, &stopped)))
        });
        Terminal { bar, warnings, progress, ticker }
    }

    /// The counters to put in the run's configuration.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// The run is over: remove the bar, then print the warnings still
    /// waiting and how many were not shown.
    pub fn finish(mut self, malformed: u64) {
        self.stop();
        self.warnings.finish(malformed);
    }

    fn stop(&mut self) {
        if let Some((stop, handle)) = self.ticker.take() {
            let _ = stop.send(());
            let _ = handle.join();
        }
        if let Some(b) = lock(&self.bar).take() {
            b.finish_and_clear();
        }
    }
}

impl Drop for Terminal {
    /// A run that failed still clears its bar.
    fn drop(&mut self) {
        self.stop();
    }
}

/// How long a run goes before the bar appears (tests shorten it).
fn delay() -> Duration {
    let ms = std::env::var("CALLTALLY_PROGRESS_DELAY_MS").ok();
    Duration::from_millis(ms.and_then(|m| m.parse().ok()).unwrap_or(1000))
}

/// The bar's thread: wait for the run to last [`delay`], then redraw the
/// counters ten times a second until told to stop.
fn tick(p: &Progress, bar: &Shared, stopped: &mpsc::Receiver<()>) {
    let start = Instant::now();
    match stopped.recv_timeout(delay()) {
        Err(RecvTimeoutError::Timeout) => {}
        _ => return,
    }
    let b = ProgressBar::with_draw_target(
        None,
        ProgressDrawTarget::stderr_with_hz(10),
    );
    b.set_style(style(false));
    *lock(bar) = Some(b.clone());
    let mut sized = false;
    loop {
        let now = p.snapshot();
        // The size is known once the inputs are listed (never for
        // standard input alone).
        if !sized && now.total > 0 {
            sized = true;
            b.set_length(now.total);
            b.set_style(style(true));
        }
        b.set_position(now.read);
        b.set_message(message(&now, start.elapsed().as_secs_f64()));
        match stopped.recv_timeout(Duration::from_millis(100)) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return,
        }
    }
}

/// Files, decompressed bytes, the rate since the run started (the bar
/// appears late: its own rate would count the first second as an instant)
/// and the time left at that rate.
fn message(now: &Snapshot, secs: f64) -> String {
    let mut msg = format!("{}/{} files", now.files_done, now.files_total);
    if now.decoded > 0 {
        let _ = write!(msg, " · {} decompressed", HumanBytes(now.decoded));
    }
    let rate = if secs > 0.0 { now.read as f64 / secs } else { 0.0 };
    let _ = write!(msg, " · {}/s", HumanBytes(rate as u64));
    if now.total > 0 && rate > 0.0 {
        let left = (now.total.saturating_sub(now.read) as f64 / rate) as u64;
        let _ = write!(msg, " · ETA {}:{:02}", left / 60, left % 60);
    }
    msg
}

/// The bar (when the size is known), bytes, and the message.
fn style(sized: bool) -> ProgressStyle {
    let template = if sized {
        "{spinner} {wide_bar} {bytes}/{total_bytes} · {msg}"
    } else {
        "{spinner} {bytes} · {msg}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use calltally::Sample;

    fn sample(line: u64) -> Sample {
        Sample { input: 0, line, item: 0, reason: format!("bad {line}") }
    }

    fn run(verbose: bool, order: &[u32]) -> Vec<String> {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let w =
            Warnings::new(verbose, move |l| lock(&sink).push(l.to_owned()));
        let samples: Vec<Vec<Sample>> = vec![
            vec![sample(1), sample(5)],
            vec![],
            vec![sample(2), sample(3), sample(9)],
        ];
        for &i in order {
            let s = &samples[i as usize];
            w.input_done(&InputDone {
                index: i,
                name: ["a", "b", "c\u{1b}"][i as usize],
                malformed: s.len() as u64,
                samples: s,
                errors: &[],
            });
        }
        w.finish(25);
        let v = lock(&lines).clone();
        v
    }

    #[test]
    fn the_first_three_in_input_order_whatever_finishes_first() {
        let want = [
            "warning: a:1: bad 1",
            "warning: a:5: bad 5",
            "warning: c\\u{1b}:2: bad 2",
            "warning: 22 more malformed records — see summary.json (-v lists more)",
        ];
        assert_eq!(run(false, &[0, 1, 2]), want);
        assert_eq!(run(false, &[2, 1, 0]), want);
        assert_eq!(run(false, &[1, 2, 0]), want);
    }

    #[test]
    fn verbose_shows_every_kept_sample() {
        let got = run(true, &[2, 0, 1]);
        assert_eq!(got.len(), 6, "{got:?}");
        assert_eq!(got[4], "warning: c\\u{1b}:9: bad 9");
        assert!(got[5].starts_with("warning: 20 more malformed records"));
    }

    #[test]
    fn the_message_has_files_rate_and_time_left() {
        let now = Snapshot {
            read: 250_000_000,
            decoded: 0,
            total: 1_000_000_000,
            files_done: 3,
            files_total: 10,
        };
        assert_eq!(message(&now, 2.0), "3/10 files · 119.21 MiB/s · ETA 0:06");
        let gz = Snapshot { decoded: 3 << 30, total: 0, ..now };
        assert_eq!(
            message(&gz, 1.0),
            "3/10 files · 3.00 GiB decompressed · 238.42 MiB/s"
        );
    }

    #[test]
    fn lines_are_printed_as_soon_as_earlier_inputs_are_done() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let w = Warnings::new(false, move |l| lock(&sink).push(l.to_owned()));
        let s = [sample(7)];
        let done = |index| InputDone {
            index,
            name: "x",
            malformed: 1,
            samples: &s,
            errors: &[],
        };
        w.input_done(&done(1));
        assert!(lock(&lines).is_empty(), "input 1 waits for input 0");
        w.input_done(&done(0));
        assert_eq!(lock(&lines).len(), 2);
    }
}
