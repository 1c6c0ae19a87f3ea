//! Photos as phones and editors write them reach the model upright and in colour; bad inputs
//! and wrong arguments say what is wrong.

use super::common::{agelab_str, csv_rows, model, refused, text};

#[test]
fn exif_turned_cmyk_16_bit_and_palette_photos_are_predicted() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    // the sideways phone photo, and the same pixels already upright (decoded, turned, lossless)
    let sideways = testenv::photos::jpeg_with_orientation(64, 40, 6);
    std::fs::write(photos.join("1-sideways.jpg"), &sideways).unwrap();
    let upright = dataset::images::decode_photo(&testenv::photos::jpeg(64, 40)).unwrap().rotate90();
    upright.save(photos.join("2-upright.png")).unwrap();
    std::fs::write(photos.join("3-cmyk.jpg"), testenv::photos::cmyk_jpeg(48, 48)).unwrap();
    std::fs::write(photos.join("4-deep.png"), testenv::photos::png16(48, 48)).unwrap();
    std::fs::write(photos.join("5-palette.png"), testenv::photos::palette_png(48, 48)).unwrap();
    let out = agelab_str(&["predict", model().to_str().unwrap(), "photos", "--out", "out"], dir.path());
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let rows = csv_rows(&dir.path().join("out/predictions.csv"));
    assert_eq!(rows.len(), 5);
    for r in &rows {
        assert!(!r[6].is_empty() && r[r.len() - 1].is_empty(), "predicted: {r:?}");
    }
    // turned by its EXIF tag, the sideways photo is the upright one: same box, same outputs
    let fields = |r: &csv::StringRecord| r.iter().skip(1).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(fields(&rows[0]), fields(&rows[1]));
    assert_eq!((&rows[0][4], &rows[0][5]), ("40", "64"), "width and height as taken");
}

#[test]
fn unreadable_photos_are_rows_with_a_one_line_reason() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let good = testenv::photos::jpeg(48, 48);
    std::fs::write(photos.join("empty.jpg"), b"").unwrap();
    std::fs::write(photos.join("cut.jpg"), &good[..good.len() / 2]).unwrap();
    std::fs::write(photos.join("notes.png"), b"not a picture at all").unwrap();
    std::fs::write(photos.join("good.jpg"), &good).unwrap();
    let out = agelab_str(&["predict", model().to_str().unwrap(), "photos", "--out", "out"], dir.path());
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "some photos were unreadable\n{stdout}\n{stderr}");
    let rows = csv_rows(&dir.path().join("out/predictions.csv"));
    assert_eq!(rows.len(), 4);
    for r in &rows {
        let note = &r[r.len() - 1];
        assert!(!note.contains('\n'), "one line: {note:?}");
        if &r[0] == "good.jpg" {
            assert!(note.is_empty());
        } else {
            assert!(note.starts_with("not an image: "), "{note}");
        }
    }
    assert!(rows.iter().any(|r| r[0] == *"cut.jpg" && r[r.len() - 1].contains("truncated")), "{rows:?}");
    assert!(rows.iter().any(|r| r[0] == *"empty.jpg" && r[r.len() - 1].contains("0 bytes")), "{rows:?}");
}

#[test]
fn wrong_inputs_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("face.jpg"), testenv::photos::jpeg(32, 32)).unwrap();
    let m = model();
    let out = agelab_str(&["predict", m.to_str().unwrap(), "empty"], dir.path());
    refused(&out, &["empty", "no images"]);
    assert!(!dir.path().join("predictions").exists(), "no empty CSV is written");
    let out = agelab_str(&["data", "inspect", "face.jpg"], dir.path());
    let stderr = refused(&out, &["face.jpg", "is a file", "folder was expected"]);
    assert!(!stderr.contains("does not exist"), "{stderr}");
    let out = agelab_str(&["predict", "--help"], dir.path());
    let (help, _) = text(&out);
    assert!(help.contains("Usage: agelab predict [OPTIONS] <MODEL>... <INPUT>"), "{help}");
    // two models and an input parse as such
    let out = agelab_str(&["predict", m.to_str().unwrap(), m.to_str().unwrap(), "face.jpg", "--out", "o"], dir.path());
    assert!(out.status.success(), "{}", text(&out).1);
    let rows = csv_rows(&dir.path().join("o/predictions.csv"));
    assert_eq!(rows.len(), 1);
}
