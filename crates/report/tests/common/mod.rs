//! Helpers shared by the report's integration tests: fixture run folders and page checks.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// A file or folder in tests/data.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Copies a fixture run folder into `parent/<experiment>/<run-id>` so tests never write into the source tree.
pub fn copy_run(name: &str, parent: &Path, sub: &str) -> PathBuf {
    let dst = parent.join(sub);
    fs::create_dir_all(&dst).expect("create run folder");
    for entry in fs::read_dir(fixture(name)).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        if entry.file_type().expect("file type").is_file() {
            fs::copy(entry.path(), dst.join(entry.file_name())).expect("copy fixture file");
        }
    }
    dst
}

/// Both fixture runs, copied under `parent` as `model4/20250101-120000` and `multitask/20250102-090000-2`.
pub fn both_runs(parent: &Path) -> [PathBuf; 2] {
    [
        copy_run("run-model4", parent, "model4/20250101-120000"),
        copy_run("run-multitask", parent, "multitask/20250102-090000-2"),
    ]
}

/// The `src="..."` values of the page.
pub fn image_refs(html: &str) -> BTreeSet<String> {
    html.split("src=\"").skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect()
}

/// The PNG files under `dir`, as paths relative to it (`faces/sample-faces.png`).
pub fn pngs_in(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in fs::read_dir(dir).expect("read report folder").filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            out.extend(pngs_in(&e.path()).into_iter().map(|n| format!("{name}/{n}")));
        } else if name.ends_with(".png") {
            out.insert(name);
        }
    }
    out
}

/// Decodes a PNG and checks that it is not blank: clearly more than one colour in use.
pub fn assert_png_has_content(path: &Path) {
    let img = image::open(path).unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display())).to_luma8();
    assert!(img.width() >= 400 && img.height() >= 400, "{} is tiny", path.display());
    let (var, dark) = contrast(&img, 100);
    assert!(var > 100.0, "{} looks blank (variance {var:.1})", path.display());
    assert!(dark > 500, "{} has almost no dark (text/line) pixels", path.display());
}

/// Variance of the grey levels, and how many pixels are darker than `dark_below` (text, lines).
pub fn contrast(img: &image::GrayImage, dark_below: u8) -> (f64, usize) {
    let n = f64::from(img.width() * img.height());
    let mean = img.pixels().map(|p| f64::from(p[0])).sum::<f64>() / n;
    let var = img.pixels().map(|p| (f64::from(p[0]) - mean).powi(2)).sum::<f64>() / n;
    (var, img.pixels().filter(|p| p[0] < dark_below).count())
}

/// Checks the page against the report folder: every PNG written is referenced and every reference exists.
pub fn check_page(index: &Path) -> String {
    let html = fs::read_to_string(index).expect("read index.html");
    let dir = index.parent().expect("report folder");
    let refs = image_refs(&html);
    let written = pngs_in(dir);
    assert!(!written.is_empty(), "no PNG written");
    assert_eq!(refs, written, "referenced images vs PNGs written");
    for r in &refs {
        assert!(dir.join(r).is_file(), "{r} is referenced but missing");
        assert_png_has_content(&dir.join(r));
    }
    assert!(!html.contains("{{"), "unfilled placeholder");
    html
}
