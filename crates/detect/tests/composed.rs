//! Composed photos with real faces: 20 seeded photos with 1-4 UTKFace crops each, pasted at
//! 80-220 px onto plain and noisy backgrounds. Needs `AGELAB_DATA` (the folder containing
//! `UTKFace/`); without it the test is skipped or fails under the workspace's rule (`testenv`).

mod common;

use detect::{Cascade, DetectParams};
use image::DynamicImage;

/// The seed and size of the set; `examples/compare_opencv.rs` uses the same defaults.
const SEED: u64 = 2024;
const PHOTOS: usize = 20;

#[test]
fn composed_photos_recall_and_precision() {
    let Some(dir) = testenv::data_dir("composed_photos_recall_and_precision", "UTKFace") else { return };
    let cascade = Cascade::frontal_face_default().expect("bundled cascade parses");
    let params = DetectParams::default();
    let photos = common::compose_set(&dir, PHOTOS, SEED);
    assert_eq!(photos.len(), PHOTOS);

    let (mut tp, mut n_det, mut n_truth) = (0, 0, 0);
    for p in &photos {
        assert!((1..=4).contains(&p.faces.len()), "{}: {} faces", p.name, p.faces.len());
        let img = DynamicImage::ImageRgb8(p.image.clone());
        let dets = cascade.detect(&img, &params);
        let truths = p.truths();
        let (a, b, c) = common::match_boxes(&dets, &truths, 0.5);
        println!(
            "{} {}x{} {:5}: {} faces, {} boxes, {} matched",
            p.name,
            p.image.width(),
            p.image.height(),
            p.background,
            c,
            b,
            a
        );
        tp += a;
        n_det += b;
        n_truth += c;
    }
    let recall = tp as f64 / n_truth as f64;
    let precision = tp as f64 / n_det.max(1) as f64;
    println!("recall {recall:.3} ({tp}/{n_truth}), precision {precision:.3} ({tp}/{n_det}) at IoU >= 0.5");
    assert!(recall >= 0.9, "recall {recall:.3}");
    assert!(precision >= 0.9, "precision {precision:.3}");
}
