//! The pages in a real browser: headless Chromium loads a per-run page and a comparison page,
//! every image must load (a small script counts the broken ones), and the screenshot must not be
//! blank. Without Chromium the test prints a note and passes, except under CI (`CI` set), where it
//! fails (`.ci/run` installs Debian's `chromium`). `AGELAB_CHROMIUM` names another binary.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{both_runs, contrast, fixture};

/// Longest a Chromium call may take before the test gives up on it.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(120);

/// The Chromium binary (`AGELAB_CHROMIUM`, else on PATH), or `None` under the workspace's rule
/// for what a machine may lack (`testenv`: a note here, a failure under CI).
fn chromium() -> Option<PathBuf> {
    testenv::program(
        "browser test (apt-get install chromium)",
        "AGELAB_CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    )
}

/// Runs Chromium headless on `url` with `args`; returns its standard output.
fn run_chromium(bin: &Path, profile: &Path, args: &[String], url: &str) -> String {
    let mut child = Command::new(bin)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    // Read stdout on a thread so that a large DOM never blocks the browser on a full pipe.
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            assert!(status.success(), "chromium {args:?} {url} failed: {status}");
            break;
        }
        if start.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            panic!("chromium {args:?} {url} took more than {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().expect("stdout reader")
}

/// Script added to a copy of the page: after load, writes the broken images into the DOM.
const IMAGE_CHECK: &str = "<script>window.addEventListener('load', () => {
  const all = Array.from(document.images);
  const broken = all.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
  document.body.setAttribute('data-images', String(all.length));
  document.body.setAttribute('data-broken', broken.join(' '));
});</script>";

/// The value of attribute `name` in `dom`.
fn attribute<'a>(dom: &'a str, name: &str) -> Option<&'a str> {
    let start = dom.find(&format!("{name}=\""))? + name.len() + 2;
    dom[start..].split('"').next()
}

/// Loads `index` in Chromium: checks that all `min_images` or more images load and that the
/// screenshot is not blank.
fn check_in_browser(bin: &Path, index: &Path, min_images: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let html = fs::read_to_string(index).expect("read page");
    assert!(html.contains("</body>"), "{} has no </body>", index.display());
    // The copy sits beside the page so that its relative image paths resolve the same way.
    let probe = index.with_file_name(".browser-check.html");
    fs::write(&probe, html.replace("</body>", &format!("{IMAGE_CHECK}\n</body>"))).expect("write probe");
    let url = |p: &Path| format!("file://{}", p.canonicalize().expect("absolute path").display());
    let dom = run_chromium(bin, tmp.path(), &["--virtual-time-budget=10000".into(), "--dump-dom".into()], &url(&probe));
    fs::remove_file(&probe).expect("remove probe");
    let images: usize = attribute(&dom, "data-images")
        .unwrap_or_else(|| {
            panic!("the check script did not run on {}:\n{}", index.display(), &dom[..dom.len().min(2000)])
        })
        .parse()
        .expect("image count");
    assert!(images >= min_images, "{}: {images} images, expected at least {min_images}", index.display());
    assert_eq!(attribute(&dom, "data-broken"), Some(""), "{}: images that did not load", index.display());

    let shot = tmp.path().join("shot.png");
    run_chromium(
        bin,
        tmp.path(),
        &[format!("--screenshot={}", shot.display()), "--window-size=1280,2000".into()],
        &url(index),
    );
    let img = image::open(&shot).expect("screenshot decodes").to_luma8();
    assert_eq!(img.dimensions(), (1280, 2000), "screenshot size");
    let (var, dark) = contrast(&img, 90);
    assert!(var > 200.0, "{}: the screenshot looks blank (variance {var:.1})", index.display());
    assert!(dark > 5_000, "{}: the screenshot has almost no text ({dark} dark pixels)", index.display());
}

#[test]
fn pages_load_in_chromium_with_every_image() {
    let Some(bin) = chromium() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let [a, b] = both_runs(tmp.path());
    // Model 4: curves, confusion, one-vs-rest ROC, calibration.
    check_in_browser(&bin, &report::render_run(&a).expect("render model4"), 4);
    // Multi-task: curves; confusion, ROC and calibration of two classification heads; the scatter.
    check_in_browser(&bin, &report::render_run(&b).expect("render multitask"), 8);
    let out = tmp.path().join("cmp");
    let index = report::compare_with_literature(&[a, b], &out, &fixture("literature.csv")).expect("compare");
    check_in_browser(&bin, &index, 1);
}

/// The committed pages (every run's `report/index.html` under the repository's `reports/`, and the
/// comparison) load with every image too: what a reader of the repository opens.
#[test]
fn committed_reports_load_in_chromium_with_every_image() {
    let Some(bin) = chromium() else {
        return;
    };
    let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports");
    let mut pages = vec![reports.join("comparison/index.html")];
    for experiment in fs::read_dir(&reports).expect("reports/").flatten() {
        for run in fs::read_dir(experiment.path()).into_iter().flatten().flatten() {
            let index = run.path().join("report/index.html");
            if index.is_file() {
                pages.push(index);
            }
        }
    }
    assert!(pages.len() >= 3, "expected committed report pages in {}", reports.display());
    for page in pages {
        check_in_browser(&bin, &page, 1);
    }
}
