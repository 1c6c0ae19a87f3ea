//! A folder with every kind of bad input the real world offers, loaded end to end: each bad file is
//! skipped with a message that names it and says what was expected, the rest load, and the
//! summary counts both.

use std::path::{Path, PathBuf};

use dataset::images::{self, ColorMode, Preprocess, ResizeFilter};
use dataset::{synthetic, DatasetError, UtkFolder};

fn mess(dir: &Path) {
    synthetic::generate(dir, 6, 11).unwrap();
    let good: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        v.sort();
        v
    };
    let bytes = std::fs::read(&good[0]).unwrap();
    // well-named files whose bytes are wrong
    std::fs::write(dir.join("20_0_0_20170101000000100.jpg.chip.jpg"), &bytes[..bytes.len() / 2]).unwrap(); // truncated
    let mut corrupt = bytes.clone();
    let sof = corrupt.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    corrupt[sof + 5..sof + 9].fill(0); // zero width and height
    std::fs::write(dir.join("21_0_0_20170101000000101.jpg.chip.jpg"), corrupt).unwrap();
    std::fs::write(dir.join("22_0_0_20170101000000102.jpg.chip.jpg"), b"").unwrap(); // zero bytes
    std::fs::write(dir.join("23_0_0_20170101000000103.jpg.chip.jpg"), b"<html>not a face</html>").unwrap();
    // files whose names are wrong
    for n in [
        "39_1_20170116174525125.jpg.chip.jpg",
        "61_1_20170109142408075.jpg.chip.jpg",
        "61_1_20170109150557335.jpg.chip.jpg",
        "300_0_0_20170112213500903.jpg.chip.jpg",
        "30_3_0_20170112213500903.jpg.chip.jpg",
        "Thumbs.db",
        "README.txt",
    ] {
        std::fs::write(dir.join(n), &bytes).unwrap();
    }
    std::fs::create_dir(dir.join("more")).unwrap();
}

#[test]
fn every_bad_file_is_named_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    mess(dir.path());
    let (faces, mut summary) = UtkFolder::new(dir.path()).scan().unwrap();
    assert_eq!(summary.seen, 6 + 4 + 7 + 1);
    assert_eq!(faces.len(), 10, "6 good + 4 well-named bad ones");
    let paths: Vec<PathBuf> = faces.iter().map(|f| f.path.clone()).collect();
    let pre = Preprocess { size: 32, color: ColorMode::Rgb, filter: ResizeFilter::Triangle };
    let (set, failed) = images::load(&paths, &pre, None).unwrap();
    assert_eq!(set.len(), 6);
    summary.skipped.extend(failed);
    summary.kept = set.len();

    let reasons = summary.by_reason();
    let count = |needle: &str| reasons.iter().filter(|(r, _)| r.contains(needle)).map(|(_, f)| f.len()).sum::<usize>();
    assert_eq!(count("expected 4 ([age]_[gender]_[race]_[datetime])"), 3);
    assert_eq!(count("age 300 out of range, expected 0..=116"), 1);
    assert_eq!(count("gender 3 out of range"), 1);
    assert_eq!(count("not a .jpg file"), 2);
    assert_eq!(count("a folder, not an image"), 1);
    assert_eq!(count("empty file (0 bytes)"), 1);
    assert_eq!(count("corrupt or truncated JPEG"), 2);
    assert_eq!(count("cannot decode"), 4);
    assert_eq!(summary.skipped.len(), 12);

    let text = summary.to_string();
    assert!(text.contains("6 faces kept, 12 skipped"), "{text}");
    for name in [
        "20_0_0_20170101000000100.jpg.chip.jpg",
        "21_0_0_20170101000000101.jpg.chip.jpg",
        "22_0_0_20170101000000102.jpg.chip.jpg",
        "23_0_0_20170101000000103.jpg.chip.jpg",
        "39_1_20170116174525125.jpg.chip.jpg",
        "README.txt",
        "more",
    ] {
        assert!(text.contains(name), "{name} not in\n{text}");
    }
}

#[test]
fn the_errors_of_one_file_name_it() {
    let dir = tempfile::tempdir().unwrap();
    mess(dir.path());
    let pre = Preprocess { size: 8, color: ColorMode::Gray, filter: ResizeFilter::Area };
    for (name, want) in [
        ("20_0_0_20170101000000100.jpg.chip.jpg", "corrupt or truncated JPEG"),
        ("22_0_0_20170101000000102.jpg.chip.jpg", "empty file (0 bytes)"),
        ("23_0_0_20170101000000103.jpg.chip.jpg", "format could not be determined"),
    ] {
        let err = pre.decode(&dir.path().join(name)).unwrap_err();
        assert!(matches!(err, DatasetError::Decode { .. }));
        let msg = err.to_string();
        assert!(msg.contains(name) && msg.contains(want), "{msg}");
    }
}

#[test]
fn empty_and_missing_folders() {
    let dir = tempfile::tempdir().unwrap();
    let err = UtkFolder::new(dir.path()).scan().unwrap_err();
    assert!(matches!(err, DatasetError::EmptyFolder { skipped: 0, .. }), "{err}");
    assert!(err.to_string().contains("[age]_[gender]_[race]_[datetime]"), "{err}");
    std::fs::write(dir.path().join("notes.txt"), b"x").unwrap();
    let err = UtkFolder::new(dir.path()).scan().unwrap_err();
    assert!(err.to_string().contains("1 file(s) skipped"), "{err}");
    let missing = dir.path().join("UTKFace");
    let err = UtkFolder::new(&missing).scan().unwrap_err().to_string();
    assert!(err.contains(&missing.display().to_string()) && err.contains("does not exist"), "{err}");
    let err = dataset::inspect_utkface(&missing, &dataset::AgeScheme::report5()).unwrap_err().to_string();
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn inspect_counts_only_what_training_can_decode() {
    let dir = tempfile::tempdir().unwrap();
    mess(dir.path());
    let report = dataset::inspect_utkface(dir.path(), &dataset::AgeScheme::report5()).unwrap();
    assert_eq!(report.summary.kept, 6, "zero-byte, truncated, corrupt and foreign files are not faces");
    assert_eq!(report.summary.skipped.len(), 12);
    assert_eq!(report.genders.iter().map(|g| g.1).sum::<usize>(), 6);
    let text = report.to_string();
    assert!(text.contains("18 files, 6 faces, 12 skipped"), "{text}");
    for name in ["20_0_0_20170101000000100.jpg.chip.jpg", "22_0_0_20170101000000102.jpg.chip.jpg"] {
        assert!(text.contains(name), "{name} not in\n{text}");
    }
    // the same files as the training path skips
    let (faces, _) = UtkFolder::new(dir.path()).scan().unwrap();
    let paths: Vec<PathBuf> = faces.iter().map(|f| f.path.clone()).collect();
    let pre = Preprocess { size: 32, color: ColorMode::Rgb, filter: ResizeFilter::Triangle };
    let (_, failed) = images::load(&paths, &pre, None).unwrap();
    let mut a: Vec<&str> = failed.iter().map(|s| s.file.as_str()).collect();
    let mut b: Vec<&str> =
        report.summary.skipped.iter().filter(|s| s.reason.starts_with("cannot")).map(|s| s.file.as_str()).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[test]
fn a_file_given_for_a_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("face.jpg");
    std::fs::write(&file, b"x").unwrap();
    let scheme = dataset::AgeScheme::report5();
    for err in [
        dataset::inspect::inspect(&file, &scheme).unwrap_err(),
        UtkFolder::new(&file).scan().unwrap_err(),
        dataset::AdienceFolds::new(&file).scan().unwrap_err(),
    ] {
        assert!(matches!(err, DatasetError::NotAFolder { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("face.jpg") && msg.contains("is a file") && !msg.contains("does not exist"), "{msg}");
    }
}
