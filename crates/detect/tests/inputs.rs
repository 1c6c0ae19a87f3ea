//! Inputs of every kind, with no data files: a synthetic cartoon face (see
//! `common::synthetic_face`), noise, flat and degenerate images, colour formats, huge images.

mod common;

use common::{canvas_with_synthetic_face, synthetic_face};
use detect::{iou, Cascade, DetectError, DetectParams, Detection};
use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn cascade() -> Cascade {
    Cascade::frontal_face_default().expect("bundled cascade parses")
}

fn noise(w: u32, h: u32, seed: u64) -> GrayImage {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    GrayImage::from_fn(w, h, |_, _| Luma([rng.random::<u8>()]))
}

/// Strips neighbor counts so boxes from different runs compare on geometry and count.
fn boxes(d: &[Detection]) -> Vec<(u32, u32, u32, u32, usize)> {
    d.iter().map(|b| (b.x, b.y, b.width, b.height, b.neighbors)).collect()
}

#[test]
fn synthetic_face_is_found_where_it_was_drawn() {
    let c = cascade();
    let img = canvas_with_synthetic_face(400, 300, 128, 120, 60, 160);
    let dets = c.detect(&DynamicImage::ImageLuma8(img), &DetectParams::default());
    assert_eq!(dets.len(), 1, "{dets:?}");
    let truth = Detection::new(120, 60, 160, 160);
    assert!(iou(&dets[0], &truth) > 0.8, "{:?} vs {truth:?}", dets[0]);
    assert!(dets[0].neighbors > 5);
}

#[test]
fn noise_and_flat_images_have_no_faces() {
    let c = cascade();
    let p = DetectParams::default();
    for seed in 0..3 {
        let img = DynamicImage::ImageLuma8(noise(640, 480, seed));
        assert!(c.detect(&img, &p).is_empty(), "faces in noise (seed {seed})");
    }
    let flat = DynamicImage::ImageLuma8(GrayImage::from_pixel(320, 240, Luma([90])));
    assert!(c.detect(&flat, &p).is_empty());
}

#[test]
fn images_smaller_than_the_window_or_empty_give_nothing() {
    let c = cascade();
    let p = DetectParams { min_size: (0, 0), ..Default::default() };
    for (w, h) in [(0, 0), (0, 50), (10, 10), (23, 100), (100, 23)] {
        let img = DynamicImage::ImageLuma8(GrayImage::new(w, h));
        assert!(c.detect(&img, &p).is_empty(), "{w}x{h}");
    }
}

#[test]
fn gray_rgb_and_rgba_inputs_agree() {
    let c = cascade();
    let p = DetectParams::default();
    let gray = canvas_with_synthetic_face(300, 260, 100, 70, 40, 150);
    let from_gray = c.detect(&DynamicImage::ImageLuma8(gray.clone()), &p);
    assert_eq!(from_gray.len(), 1);

    // Equal channels convert back to the same gray exactly.
    let rgb = RgbImage::from_fn(gray.width(), gray.height(), |x, y| {
        let v = gray.get_pixel(x, y).0[0];
        Rgb([v, v, v])
    });
    assert_eq!(boxes(&c.detect(&DynamicImage::ImageRgb8(rgb.clone()), &p)), boxes(&from_gray));

    // Alpha is ignored, whatever it holds.
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let rgba = RgbaImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        Rgba([r, g, b, rng.random()])
    });
    assert_eq!(boxes(&c.detect(&DynamicImage::ImageRgba8(rgba), &p)), boxes(&from_gray));

    // A tinted colour face is still one face in the same place.
    let tinted = RgbImage::from_fn(gray.width(), gray.height(), |x, y| {
        let v = gray.get_pixel(x, y).0[0] as f32;
        Rgb([v as u8, (v * 0.8) as u8, (v * 0.65) as u8])
    });
    let t = c.detect(&DynamicImage::ImageRgb8(tinted), &p);
    assert_eq!(t.len(), 1);
    assert!(iou(&t[0], &from_gray[0]) > 0.8);

    // 16-bit gray goes through `image`'s reduction to 8 bits.
    let g16 = image::ImageBuffer::<Luma<u16>, Vec<u16>>::from_fn(gray.width(), gray.height(), |x, y| {
        Luma([gray.get_pixel(x, y).0[0] as u16 * 257])
    });
    assert_eq!(boxes(&c.detect(&DynamicImage::ImageLuma16(g16), &p)), boxes(&from_gray));
}

#[test]
fn huge_image_with_max_side_maps_boxes_back() {
    let c = cascade();
    let (fx, fy, fs) = (2500, 1300, 600);
    let img = DynamicImage::ImageLuma8(canvas_with_synthetic_face(4000, 3000, 140, fx, fy, fs));
    let p = DetectParams { max_side: Some(800), ..Default::default() };
    let dets = c.detect(&img, &p);
    assert_eq!(dets.len(), 1, "{dets:?}");
    let d = dets[0];
    let truth = Detection::new(fx, fy, fs, fs);
    assert!(iou(&d, &truth) > 0.8, "{d:?} vs {truth:?}");
    assert!(d.x + d.width <= 4000 && d.y + d.height <= 3000);

    // A face smaller than the shrunk window's reach is lost, as documented.
    let small = DynamicImage::ImageLuma8(canvas_with_synthetic_face(4000, 3000, 140, 100, 100, 80));
    assert!(c.detect(&small, &p).is_empty());
    // max_side larger than the image changes nothing.
    let img2 = DynamicImage::ImageLuma8(canvas_with_synthetic_face(500, 400, 140, 100, 100, 200));
    let a = c.detect(&img2, &DetectParams::default());
    let b = c.detect(&img2, &DetectParams { max_side: Some(500), ..Default::default() });
    assert_eq!(boxes(&a), boxes(&b));
}

#[test]
fn max_side_boxes_agree_with_full_resolution() {
    let c = cascade();
    let img = DynamicImage::ImageLuma8(canvas_with_synthetic_face(1600, 1200, 120, 900, 300, 360));
    let full = c.detect(&img, &DetectParams::default());
    let shrunk = c.detect(&img, &DetectParams { max_side: Some(640), ..Default::default() });
    assert_eq!((full.len(), shrunk.len()), (1, 1), "{full:?} {shrunk:?}");
    assert!(iou(&full[0], &shrunk[0]) > 0.85, "{full:?} vs {shrunk:?}");
}

#[test]
fn parallel_and_single_thread_results_are_identical() {
    let c = cascade();
    let mut img = noise(500, 400, 4);
    image::imageops::replace(&mut img, &synthetic_face(120), 50, 60);
    image::imageops::replace(&mut img, &synthetic_face(90), 300, 200);
    let img = DynamicImage::ImageLuma8(img);
    for min_neighbors in [0, 3, 5] {
        let par = DetectParams { min_neighbors, parallel: true, ..Default::default() };
        let seq = DetectParams { parallel: false, ..par.clone() };
        assert_eq!(c.detect(&img, &par), c.detect(&img, &seq), "min_neighbors {min_neighbors}");
    }
}

#[test]
fn size_limits_and_min_neighbors_behave_like_opencv() {
    let c = cascade();
    let img = DynamicImage::ImageLuma8(canvas_with_synthetic_face(400, 400, 128, 100, 100, 150));
    let base = DetectParams::default();
    assert_eq!(c.detect(&img, &base).len(), 1);
    // Windows bigger than max_size or smaller than min_size are never tried.
    assert!(c.detect(&img, &DetectParams { max_size: Some((100, 100)), ..base.clone() }).is_empty());
    assert!(c.detect(&img, &DetectParams { min_size: (220, 220), ..base.clone() }).is_empty());
    // min_neighbors 0: raw candidate windows, each counted once.
    let raw = c.detect(&img, &DetectParams { min_neighbors: 0, ..base.clone() });
    assert!(raw.len() > 5, "{}", raw.len());
    assert!(raw.iter().all(|d| d.neighbors == 1 && d.width == d.height));
    // A huge min_neighbors removes everything.
    assert!(c.detect(&img, &DetectParams { min_neighbors: 10_000, ..base }).is_empty());
}

#[test]
fn invalid_parameters_are_reported() {
    let c = cascade();
    let img = DynamicImage::ImageLuma8(GrayImage::new(100, 100));
    for p in [
        DetectParams { scale_factor: 1.0, ..Default::default() },
        DetectParams { scale_factor: 0.5, ..Default::default() },
        DetectParams { scale_factor: f64::NAN, ..Default::default() },
        DetectParams { max_side: Some(0), ..Default::default() },
    ] {
        let err = c.try_detect(&img, &p).expect_err("invalid params");
        assert!(matches!(err, DetectError::InvalidParams { .. }), "{err}");
        assert!(c.detect(&img, &p).is_empty());
    }
}
