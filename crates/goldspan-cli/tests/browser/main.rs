//! Browser tests: reports made by the real `goldspan` binary, opened in headless Chromium
//! (Debian's `chromium` package, which `.ci/run` installs) and driven over the DevTools
//! protocol with the `headless_chrome` crate. Every page is checked for console errors,
//! uncaught exceptions, policy violations and network requests, which the protocol reports as
//! they happen (`Runtime.consoleAPICalled`, `Runtime.exceptionThrown`, `Log.entryAdded`,
//! `Network.requestWillBeSent`).
//!
//! Without Chromium these tests fail with the command that installs it: CI installs it, and a
//! skipped browser suite would pass without having looked at a page.

mod report;
mod xss;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Network, Page as Cdp};
use headless_chrome::{Browser, LaunchOptions, Tab};
use serde_json::Value;

/// The Chromium binary: `$GOLDSPAN_CHROMIUM`, else the first of Debian's and other usual names
/// on the PATH.
fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("GOLDSPAN_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the browser tests need Chromium: install it with `apt-get install chromium` (.ci/run does), \
         or point GOLDSPAN_CHROMIUM at a Chromium or Chrome binary"
    );
}

/// What a page did that a test looks at: console errors, exceptions, error log entries (policy
/// violations among them) and every URL requested.
#[derive(Debug, Default)]
pub struct Seen {
    pub errors: Vec<String>,
    pub requests: Vec<String>,
}

/// A headless Chromium with one tab on one page.
pub struct Page {
    // Dropping the browser ends its process; the profile directory goes after it.
    tab: Arc<Tab>,
    _browser: Browser,
    _profile: tempfile::TempDir,
    seen: Arc<Mutex<Seen>>,
    url: String,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Page {
    /// Opens `file` (at `#hash`, when not empty) in a fresh headless Chromium, with the flags
    /// that keep it off the network, and waits until the report has drawn itself.
    pub fn open(file: &Path, hash: &str) -> Page {
        let profile = tempfile::tempdir().expect("profile directory");
        let args: Vec<&OsStr> = [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--hide-scrollbars",
        ]
        .iter()
        .map(OsStr::new)
        .collect();
        let options = LaunchOptions::default_builder()
            .path(Some(chromium()))
            .headless(true)
            .sandbox(false)
            .window_size(Some((1400, 1000)))
            .user_data_dir(Some(profile.path().to_owned()))
            .args(args)
            .idle_browser_timeout(Duration::from_secs(120))
            .build()
            .expect("launch options");
        let browser = Browser::new(options).expect("Chromium starts");
        let tab = browser.new_tab().expect("a tab");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let sink = seen.clone();
        tab.add_event_listener(Arc::new(move |event: &Event| {
            let mut seen = sink.lock().expect("lock");
            match event {
                Event::RuntimeConsoleAPICalled(c) => {
                    let kind = serde_json::to_value(&c.params.Type).unwrap_or_default();
                    if kind == "error" || kind == "warning" || kind == "assert" {
                        let args: Vec<String> = c
                            .params
                            .args
                            .iter()
                            .map(|a| {
                                a.value
                                    .as_ref()
                                    .map(Value::to_string)
                                    .or_else(|| a.description.clone())
                                    .unwrap_or_default()
                            })
                            .collect();
                        seen.errors.push(format!("console {kind}: {}", args.join(" ")));
                    }
                }
                Event::RuntimeExceptionThrown(x) => {
                    let d = &x.params.exception_details;
                    let what =
                        d.exception.as_ref().and_then(|e| e.description.clone()).unwrap_or_else(|| d.text.clone());
                    seen.errors.push(format!("exception at {}:{}: {what}", d.line_number, d.column_number));
                }
                Event::LogEntryAdded(l) => {
                    let level = serde_json::to_value(&l.params.entry.level).unwrap_or_default();
                    if level == "error" || level == "warning" {
                        seen.errors.push(format!("log {level}: {}", l.params.entry.text));
                    }
                }
                Event::NetworkRequestWillBeSent(r) => seen.requests.push(r.params.request.url.clone()),
                _ => {}
            }
        }))
        .expect("listener");
        tab.enable_log().expect("Log.enable");
        tab.enable_runtime().expect("Runtime.enable");
        tab.call_method(Network::Enable {
            max_total_buffer_size: None,
            max_resource_buffer_size: None,
            max_post_data_size: None,
            report_direct_socket_traffic: None,
            enable_durable_messages: None,
        })
        .expect("Network.enable");
        let file = file.canonicalize().expect("report path");
        let url = format!("file://{}", file.display());
        let full = if hash.is_empty() { url.clone() } else { format!("{url}#{hash}") };
        tab.navigate_to(&full).expect("navigate").wait_until_navigated().expect("page loads");
        let page = Page { tab, _browser: browser, _profile: profile, seen, url };
        page.wait_for("document.body.getAttribute('data-ready') === 'true'");
        page
    }

    /// The value of a JavaScript expression, through JSON.
    pub fn eval(&self, expression: &str) -> Value {
        let wrapped = format!("JSON.stringify((function () {{ return ({expression}); }})())");
        let result = self.tab.evaluate(&wrapped, false).unwrap_or_else(|e| panic!("evaluate {expression}: {e}"));
        match result.value {
            Some(Value::String(json)) => serde_json::from_str(&json).expect("JSON from the page"),
            _ => Value::Null,
        }
    }

    /// Waits until a JavaScript condition holds (10 s at most).
    pub fn wait_for(&self, condition: &str) {
        let start = Instant::now();
        while self.eval(condition) != Value::Bool(true) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting for {condition}; seen {:?}",
                self.seen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Goes to `#hash` in the page and waits for `condition`.
    pub fn go(&self, hash: &str, condition: &str) {
        self.eval(&format!("(location.hash = {}, true)", Value::String(hash.to_owned())));
        self.wait_for(condition);
    }

    /// Presses a key, as the keyboard does.
    pub fn press(&self, key: &str) {
        self.tab.press_key(key).unwrap_or_else(|e| panic!("press {key}: {e}"));
    }

    /// A PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        let png =
            self.tab.capture_screenshot(Cdp::CaptureScreenshotFormatOption::Png, None, None, true).expect("screenshot");
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("mkdir");
        std::fs::write(path, png).expect("write screenshot");
    }

    /// What the page did so far.
    pub fn seen(&self) -> (Vec<String>, Vec<String>) {
        let seen = self.seen.lock().expect("lock");
        (seen.errors.clone(), seen.requests.clone())
    }

    /// The page logged no error and requested nothing but itself.
    pub fn assert_clean(&self) {
        // Events arrive on the browser's thread: give the last ones a moment.
        std::thread::sleep(Duration::from_millis(200));
        let (errors, requests) = self.seen();
        assert!(errors.is_empty(), "the page logged errors: {errors:#?}");
        assert!(!requests.is_empty(), "the page's own load is seen as a request, so requests are observed");
        let others: Vec<&String> = requests.iter().filter(|r| r.split('#').next() != Some(self.url.as_str())).collect();
        assert!(others.is_empty(), "the page requested more than itself: {others:#?}");
    }
}

/// Runs the `goldspan` binary from the repository root; panics with its stderr on failure.
pub fn goldspan(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_goldspan"))
        .args(args)
        .current_dir(goldspan_tests::repo())
        .output()
        .expect("goldspan runs");
    assert!(out.status.success(), "goldspan {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Where the tests leave screenshots for people to look at: `target/tmp/report-screenshots/`.
pub fn artifact(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots").join(name)
}
