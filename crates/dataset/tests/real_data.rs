//! Tests on the real data under `$AGELAB_DATA` (`UTKFace/` and `adience/`), skipped or failed
//! under the workspace's one rule when it is missing (see the `testenv` crate).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use dataset::images::{self, ColorMode, Preprocess, ResizeFilter};
use dataset::{
    inspect_adience, inspect_utkface, AdienceFolds, AgeScheme, Part, Split, SplitInputs, SplitSpec, UtkFolder,
};

const MALFORMED: [&str; 3] = [
    "39_1_20170116174525125.jpg.chip.jpg",
    "61_1_20170109142408075.jpg.chip.jpg",
    "61_1_20170109150557335.jpg.chip.jpg",
];

#[test]
fn utkface_inspect_finds_the_known_defects() {
    let Some(dir) = testenv::data_dir("utkface_inspect_finds_the_known_defects", "UTKFace") else { return };
    let report = inspect_utkface(&dir, &AgeScheme::report5()).unwrap();
    assert_eq!(report.summary.seen, 22_707);
    assert_eq!(report.summary.kept, 22_704);
    let skipped: BTreeSet<&str> = report.summary.skipped.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(skipped, MALFORMED.into_iter().collect());
    assert_eq!(report.irregular.len(), 2);
    let total = |v: &[(String, usize)]| v.iter().map(|x| x.1).sum::<usize>();
    assert_eq!(total(&report.genders), 22_704);
    assert_eq!(total(&report.races), 22_704);
    assert_eq!(total(&report.age_groups), 22_704);
    assert_eq!(report.age_groups.len(), 5);
    let text = report.to_string();
    assert!(text.contains("22707 files, 22704 faces, 3 skipped"), "{text}");
    for name in MALFORMED {
        assert!(text.contains(name), "{text}");
    }
    println!("{text}");
}

#[test]
fn utkface_images_decode_in_strict_mode() {
    let Some(dir) = testenv::data_dir("utkface_images_decode_in_strict_mode", "UTKFace") else { return };
    let (faces, _) = UtkFolder::new(&dir).scan().unwrap();
    // Every 40th face (568): strict decoding must not reject real files.
    let paths: Vec<PathBuf> = faces.iter().step_by(40).map(|f| f.path.clone()).collect();
    for color in [ColorMode::Rgb, ColorMode::Gray] {
        let pre = Preprocess { size: 32, color, filter: ResizeFilter::Triangle };
        let (set, skipped) = images::load(&paths, &pre, None).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(set.len(), paths.len());
    }
}

#[test]
fn adience_folds_parse_with_their_quirks() {
    let Some(dir) = testenv::data_dir("adience_folds_parse_with_their_quirks", "adience") else { return };
    let report = inspect_adience(&dir).unwrap();
    let s = &report.summary;
    // The shared copies of folds 2-4 are cut short; their last rows are what remains.
    assert_eq!(s.folds.iter().map(|f| f.rows).collect::<Vec<_>>(), vec![4484, 3730, 2573, 1050, 2086]);
    assert_eq!(s.bad_rows.len(), 1, "{:?}", s.bad_rows);
    assert_eq!(s.bad_rows[0].file, "fold_4_data.txt:2087");
    assert_eq!(s.kept(), s.rows() - 1);
    let remapped: BTreeMap<&str, &str> = s.remapped_ages.iter().map(|(t, l, _)| (t.as_str(), l.as_str())).collect();
    assert_eq!(remapped["(38, 42)"], "38-43");
    assert_eq!(remapped["(38, 48)"], "38-43");
    assert_eq!(remapped["(8, 23)"], "15-20");
    assert_eq!(remapped["(27, 32)"], "25-32");
    assert_eq!(remapped["35"], "38-43");
    assert!(s.excluded["age task: age None"] > 0);
    assert!(s.excluded["gender task: gender u"] > 0);
    let grouped: usize = s.age_groups.iter().map(|g| g.1).sum();
    assert_eq!(grouped + s.excluded["age task: age None"], s.kept());
    println!("{report}");
}

#[test]
fn adience_folds_are_subject_exclusive_and_kfold_keeps_them() {
    let Some(dir) = testenv::data_dir("adience_folds_are_subject_exclusive_and_kfold_keeps_them", "adience") else {
        return;
    };
    let (faces, _) = AdienceFolds::new(&dir).scan().unwrap();
    let mut fold_of: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &faces {
        assert_eq!(*fold_of.entry(&f.user_id).or_insert(f.fold), f.fold, "{} is in two folds", f.user_id);
    }
    let folds: Vec<usize> = faces.iter().map(|f| f.fold).collect();
    let groups: Vec<String> = faces.iter().map(|f| f.user_id.clone()).collect();
    let files: Vec<&str> = faces.iter().map(|f| f.file.as_str()).collect();
    let inputs = SplitInputs::new(faces.len(), 7).folds(&folds).groups(&groups);
    for k in 0..5 {
        let split = Split::build(&SplitSpec::Kfold { test: k, valid_fold: None, valid: 0.1 }, &inputs).unwrap();
        let test: Vec<usize> = split.indices(Part::Test);
        assert_eq!(test.len(), folds.iter().filter(|&&f| f == k).count());
        let mut part_of: BTreeMap<&str, Part> = BTreeMap::new();
        for (i, f) in faces.iter().enumerate() {
            let p = split.part(i).unwrap();
            assert_eq!(*part_of.entry(&f.user_id).or_insert(p), p, "{} straddles parts", f.user_id);
        }
        assert_eq!(split.fingerprint(&files).len(), 32);
    }
}
