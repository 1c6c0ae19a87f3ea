//! `agelab predict --detect` on composed photos: real faces pasted on a background, a photo with
//! no face, a grayscale and an RGBA photo, a huge photo, and a file that is not an image.

use std::path::Path;
use std::process::Command;

use image::{imageops, DynamicImage, Rgb, RgbImage, Rgba, RgbaImage};

use super::common::{experiment, options, tiny_synthetic, utkface};

fn compose(faces: &[RgbImage], size: (u32, u32), at: &[(u32, u32, u32)]) -> RgbImage {
    let mut photo = RgbImage::from_pixel(size.0, size.1, Rgb([128, 128, 128]));
    for (face, &(x, y, side)) in faces.iter().zip(at) {
        let f = imageops::resize(face, side, side, imageops::FilterType::Triangle);
        imageops::overlay(&mut photo, &f, x as i64, y as i64);
    }
    photo
}

fn csv_rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().skip(1).map(str::to_string).collect()
}

#[test]
fn predict_with_detect_on_composed_photos_and_bad_input() {
    let Some(root) = utkface() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = {
        let _serial = super::common::serial();
        runner::run(&experiment(&tiny_synthetic(1)), &options(&dir.path().join("reports"))).unwrap().dir
    };
    let mut names: Vec<String> =
        std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let faces: Vec<RgbImage> = names[2000..2002].iter().map(|n| image::open(root.join(n)).unwrap().to_rgb8()).collect();
    let photos = dir.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    compose(&faces, (640, 480), &[(60, 120, 200), (360, 100, 220)]).save(photos.join("two.png")).unwrap();
    RgbImage::from_pixel(320, 240, Rgb([90, 140, 200])).save(photos.join("empty.png")).unwrap();
    DynamicImage::ImageRgb8(compose(&faces[..1], (400, 300), &[(100, 50, 200)]))
        .to_luma8()
        .save(photos.join("gray.png"))
        .unwrap();
    let one = compose(&faces[..1], (400, 300), &[(100, 50, 200)]);
    let rgba: RgbaImage = RgbaImage::from_fn(400, 300, |x, y| {
        let p = one.get_pixel(x, y).0;
        Rgba([p[0], p[1], p[2], 200])
    });
    rgba.save(photos.join("alpha.png")).unwrap();
    compose(&faces[..1], (4000, 3000), &[(1500, 1000, 900)]).save(photos.join("huge.png")).unwrap();

    let out = dir.path().join("out");
    let bin = env!("CARGO_BIN_EXE_agelab");
    let o = Command::new(bin)
        .args([
            "predict",
            run.root().to_str().unwrap(),
            photos.to_str().unwrap(),
            "--detect",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = csv_rows(&out.join("predictions.csv"));
    let count =
        |file: &str| rows.iter().filter(|r| r.starts_with(&format!("{file},")) && !r.contains("no face found")).count();
    assert_eq!(count("two.png"), 2, "{rows:#?}");
    assert!(rows.iter().any(|r| r.starts_with("empty.png,") && r.ends_with("no face found")), "{rows:#?}");
    assert_eq!(count("gray.png"), 1, "{rows:#?}");
    assert_eq!(count("alpha.png"), 1, "{rows:#?}");
    assert_eq!(count("huge.png"), 1, "{rows:#?}");
    // the huge photo's box is in its own coordinates: around the pasted face at (1500, 1000), 900 px
    let huge = rows.iter().find(|r| r.starts_with("huge.png,")).unwrap();
    let f: Vec<u32> = huge.split(',').skip(2).take(4).map(|v| v.parse().unwrap()).collect();
    assert!(f[0] > 1300 && f[0] < 1700 && f[2] > 600 && f[2] < 1200, "{huge}");
    for stem in ["two", "gray", "alpha", "huge"] {
        assert!(out.join(format!("{stem}-annotated.png")).is_file(), "{stem}");
    }

    // a file that is not an image: a clear row and a non-zero exit, the other photos still done
    std::fs::write(photos.join("notes.jpg"), b"not a picture").unwrap();
    let o = Command::new(bin)
        .args([
            "predict",
            run.root().to_str().unwrap(),
            photos.to_str().unwrap(),
            "--detect",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("notes.jpg: not an image"));
    let rows = csv_rows(&out.join("predictions.csv"));
    assert!(rows.iter().any(|r| r.starts_with("notes.jpg,") && r.contains("not an image")), "{rows:#?}");
    assert_eq!(rows.iter().filter(|r| r.starts_with("two.png,")).count(), 2);
}
